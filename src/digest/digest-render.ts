import { escapeHtml } from '../core/escape-html.js';
import type { Language } from '../core/languages.js';
import { reasonDetail } from '../core/reason-detail.js';
import type { QuarantineItem } from '../core/types.js';
import { type Brand, DEFAULT_BRAND, logoHtml } from './brand.js';
import { type DigestTranslator, digestTranslator } from './digest-i18n.js';
import { displayText } from './html-text.js';

/** The links shown for one item. */
export interface ItemLinks {
  release: string;
  releaseAllow: string;
  delete: string;
  deleteBlock: string;
  open: string;
}

/** Everything a digest shows; every string from a message is attacker-controlled and escaped here. */
export interface DigestView {
  /** Whom it is for: shown in the greeting. */
  recipient: string;
  /** Administrators' copies: the domains covered; null for a user's own digest. */
  copyOf: string[] | null;
  items: { item: QuarantineItem; links: ItemLinks }[];
  total: number;
  totalIsLowerBound: boolean;
  /** Held since (null: the first digest). */
  since: Date | null;
  releaseAllUrl: string | null;
  /** The web UI's list of held mail. */
  listUrl: string;
  timeZone: string;
  linksExpireAt: Date;
  /** The language it is written in: the recipient's. */
  language: Language;
  /** Product name, logo and colour (`brand.*`); the defaults when absent. */
  brand?: Brand;
}

export interface RenderedDigest {
  subject: string;
  text: string;
  html: string;
}

function sender(item: QuarantineItem, tr: DigestTranslator): string {
  return displayText(item.fromHeader ?? item.sender, 120, tr.t('noSender'));
}

function subjectOf(item: QuarantineItem, tr: DigestTranslator): string {
  return displayText(item.subject, 140, tr.t('noSubject'));
}

/** A reason as the catalogue names it; an unknown one as it is. */
export function reasonName(reason: string, tr: DigestTranslator): string {
  return reason in tr.catalogue.reasons ? tr.t(`reasons.${reason}`) : reason;
}

/** The reason with its detail: "malware: Win.Test.EICAR_HDB-1"; in the reader's language. */
export function heldAs(item: QuarantineItem, tr: DigestTranslator): string {
  const reason = reasonName(item.reason, tr);
  const detail = reasonDetail(item.details);
  return detail ? `${reason}: ${displayText(detail, 120)}` : reason;
}

/** The ICU arguments the headline and subject share. */
function counted(view: DigestView) {
  return {
    count: view.total,
    atLeast: view.totalIsLowerBound ? 'yes' : 'no',
    domains: view.copyOf?.join(', ') ?? '',
  };
}

function headline(view: DigestView, tr: DigestTranslator): string {
  return tr.t(view.copyOf ? 'mail.headlineFor' : 'mail.headlineForYou', {
    ...counted(view),
    hasSince: view.since ? 'yes' : 'no',
    since: view.since ? tr.time(view.since, view.timeZone) : '',
  });
}

function subjectLine(view: DigestView, tr: DigestTranslator): string {
  return tr.t(view.copyOf ? 'mail.subjectFor' : 'mail.subjectForYou', counted(view));
}

const LINK_KEYS: (keyof ItemLinks)[] = ['release', 'releaseAllow', 'delete', 'deleteBlock', 'open'];

function renderText(view: DigestView, tr: DigestTranslator): string {
  const product = (view.brand ?? DEFAULT_BRAND).productName;
  const lines = [tr.t('mail.textTitle', { product, recipient: view.recipient }), '', headline(view, tr), ''];
  const field = (key: string) => tr.t(`fields.${key}`);
  view.items.forEach(({ item, links }, index) => {
    lines.push(`${index + 1}. ${field('from')}: ${sender(item, tr)}`);
    if (view.copyOf) lines.push(`   ${field('to')}: ${displayText(item.recipient)}`);
    lines.push(`   ${field('subject')}: ${subjectOf(item, tr)}`);
    lines.push(
      `   ${tr.t('mail.heldAsReceived', {
        reason: heldAs(item, tr),
        received: tr.time(new Date(item.receivedAt), view.timeZone),
      })}`,
    );
    for (const key of LINK_KEYS)
      lines.push(`   ${`${tr.t(`mail.links.${key}`, { product })}:`.padEnd(34)} ${links[key]}`);
    lines.push('');
  });
  if (view.releaseAllUrl && view.items.length > 1) {
    lines.push(`${tr.t('mail.releaseAll', { count: view.items.length })}: ${view.releaseAllUrl}`, '');
  }
  const rest = view.total - view.items.length;
  if (rest > 0) {
    lines.push(
      `${tr.t('mail.more', { count: rest, atLeast: view.totalIsLowerBound ? 'yes' : 'no' })}: ${view.listUrl}`,
      '',
    );
  } else {
    lines.push(`${tr.t('mail.allHeld')}: ${view.listUrl}`, '');
  }
  lines.push(
    tr.t('mail.linksWorkUntil', { until: tr.time(view.linksExpireAt, view.timeZone) }),
    tr.t('mail.linksChangeNothing'),
    '',
  );
  return lines.join('\n');
}

const CELL = 'padding:6px 8px;border-bottom:1px solid #e3e3e8;vertical-align:top;text-align:left;';

function renderHtml(view: DigestView, tr: DigestTranslator): string {
  const brand = view.brand ?? DEFAULT_BRAND;
  const product = brand.productName;
  const LINK = `color:${brand.colour};text-decoration:underline;margin-right:12px;white-space:nowrap;`;
  const rows = view.items
    .map(({ item, links }) => {
      const actions = LINK_KEYS.map(
        (key) =>
          `<a href="${escapeHtml(links[key])}" style="${LINK}">${escapeHtml(tr.t(`mail.links.${key}`, { product }))}</a>`,
      ).join(' ');
      return [
        '<tr>',
        `<td style="${CELL}">${escapeHtml(sender(item, tr))}</td>`,
        ...(view.copyOf ? [`<td style="${CELL}">${escapeHtml(displayText(item.recipient))}</td>`] : []),
        `<td style="${CELL}">${escapeHtml(subjectOf(item, tr))}</td>`,
        `<td style="${CELL}">${escapeHtml(heldAs(item, tr))}</td>`,
        `<td style="${CELL}white-space:nowrap;">${escapeHtml(tr.time(new Date(item.receivedAt), view.timeZone))}</td>`,
        '</tr>',
        `<tr><td colspan="${view.copyOf ? 5 : 4}" style="${CELL}padding-bottom:12px;">${actions}</td></tr>`,
      ].join('');
    })
    .join('\n');
  const rest = view.total - view.items.length;
  const footer = [
    view.releaseAllUrl && view.items.length > 1
      ? `<p><a href="${escapeHtml(view.releaseAllUrl)}" style="${LINK}">${escapeHtml(tr.t('mail.releaseAll', { count: view.items.length }))}</a></p>`
      : '',
    rest > 0
      ? `<p>${escapeHtml(tr.t('mail.more', { count: rest, atLeast: view.totalIsLowerBound ? 'yes' : 'no' }))}. <a href="${escapeHtml(view.listUrl)}" style="${LINK}">${escapeHtml(tr.t('mail.seeAllInLazaret', { product }))}</a></p>`
      : `<p><a href="${escapeHtml(view.listUrl)}" style="${LINK}">${escapeHtml(tr.t('mail.allHeldInLazaret', { product }))}</a></p>`,
  ].join('\n');
  const heads = ['from', ...(view.copyOf ? ['to'] : []), 'subject', 'heldAs', 'received']
    .map((key) => `<th style="${CELL}">${escapeHtml(tr.t(`fields.${key}`))}</th>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="${tr.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(subjectLine(view, tr))}</title></head>
<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:14px;color:#222;">
${logoHtml(brand)}<p style="font-size:13px;color:#555;margin:0;">${escapeHtml(product)}</p>
<h1 style="font-size:18px;margin-top:4px;border-bottom:3px solid ${brand.colour};padding-bottom:6px;">${escapeHtml(tr.t('mail.htmlTitle', { recipient: view.recipient }))}</h1>
<p>${escapeHtml(headline(view, tr))}</p>
<table style="border-collapse:collapse;width:100%;max-width:960px;">
<thead><tr>${heads}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
${footer}
<p style="color:#666;font-size:12px;">${escapeHtml(tr.t('mail.linksWorkUntil', { until: tr.time(view.linksExpireAt, view.timeZone) }))} ${escapeHtml(tr.t('mail.linksChangeNothing'))}</p>
</body></html>
`;
}

/** The digest's subject, plain text and HTML. */
export function renderDigest(view: DigestView): RenderedDigest {
  const tr = digestTranslator(view.language, (view.brand ?? DEFAULT_BRAND).productName);
  return { subject: subjectLine(view, tr), text: renderText(view, tr), html: renderHtml(view, tr) };
}
