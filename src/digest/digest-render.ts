import { escapeHtml } from '../core/escape-html.js';
import { reasonDetail } from '../core/reason-detail.js';
import type { QuarantineItem } from '../core/types.js';
import { type Brand, DEFAULT_BRAND, logoHtml } from './brand.js';
import { displayText, displayTime } from './html-text.js';

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
  /** Product name, logo and colour (`brand.*`); the defaults when absent. */
  brand?: Brand;
}

export interface RenderedDigest {
  subject: string;
  text: string;
  html: string;
}

const REASONS: Record<string, string> = {
  spam: 'spam',
  malware: 'malware',
  phish: 'phishing',
  policy: 'policy',
  bulk: 'bulk mail',
  manual: 'held by hand',
};

/** "malware: Win.Test.EICAR_HDB-1", "policy: blocked file extension .exe (invoice.exe)", "spam". */
function heldAs(item: QuarantineItem): string {
  const reason = REASONS[item.reason] ?? item.reason;
  const detail = reasonDetail(item.details);
  return detail ? `${reason}: ${displayText(detail, 120)}` : reason;
}

function sender(item: QuarantineItem): string {
  return displayText(item.fromHeader ?? item.sender, 120, '(no sender)');
}

function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en-GB')} ${count === 1 ? one : many}`;
}

function headline(view: DigestView): string {
  const count = plural(view.total, 'new message was', 'new messages were');
  const more = view.totalIsLowerBound ? 'More than ' : '';
  const whose = view.copyOf ? `for ${view.copyOf.join(', ')}` : 'for you';
  const since = view.since ? ` since ${displayTime(view.since, view.timeZone)}` : '';
  return `${more}${count} held ${whose}${since}.`;
}

function subjectLine(view: DigestView): string {
  const count = `${view.totalIsLowerBound ? 'more than ' : ''}${plural(view.total, 'message', 'messages')}`;
  return view.copyOf
    ? `Quarantine digest: ${count} held for ${view.copyOf.join(', ')}`
    : `Quarantine digest: ${count} held for you`;
}

const linkLabels = (brand: Brand): [keyof ItemLinks, string][] => [
  ['release', 'Release'],
  ['releaseAllow', 'Release and always allow sender'],
  ['delete', 'Delete'],
  ['deleteBlock', 'Delete and always block sender'],
  ['open', `Open in ${brand.productName}`],
];

function renderText(view: DigestView): string {
  const brand = view.brand ?? DEFAULT_BRAND;
  const lines = [`${brand.productName}: quarantine digest for ${view.recipient}`, '', headline(view), ''];
  view.items.forEach(({ item, links }, index) => {
    lines.push(`${index + 1}. From: ${sender(item)}`);
    if (view.copyOf) lines.push(`   To: ${displayText(item.recipient)}`);
    lines.push(`   Subject: ${displayText(item.subject, 140, '(no subject)')}`);
    lines.push(
      `   Held as ${heldAs(item)}, received ${displayTime(new Date(item.receivedAt), view.timeZone)}`,
    );
    for (const [key, label] of linkLabels(brand)) lines.push(`   ${`${label}:`.padEnd(34)} ${links[key]}`);
    lines.push('');
  });
  if (view.releaseAllUrl && view.items.length > 1) {
    lines.push(`Release all ${view.items.length} listed: ${view.releaseAllUrl}`, '');
  }
  const rest = view.total - view.items.length;
  if (rest > 0) {
    lines.push(
      `…and ${view.totalIsLowerBound ? 'more than ' : ''}${rest.toLocaleString('en-GB')} more: ${view.listUrl}`,
      '',
    );
  } else {
    lines.push(`All held mail: ${view.listUrl}`, '');
  }
  lines.push(
    `Links work until ${displayTime(view.linksExpireAt, view.timeZone)}.`,
    'Opening a link changes nothing: it shows what will happen and asks you to confirm.',
    '',
  );
  return lines.join('\n');
}

const CELL = 'padding:6px 8px;border-bottom:1px solid #e3e3e8;vertical-align:top;text-align:left;';

function renderHtml(view: DigestView): string {
  const brand = view.brand ?? DEFAULT_BRAND;
  const LINK = `color:${brand.colour};text-decoration:underline;margin-right:12px;white-space:nowrap;`;
  const rows = view.items
    .map(({ item, links }) => {
      const actions = linkLabels(brand)
        .map(([key, label]) => `<a href="${escapeHtml(links[key])}" style="${LINK}">${escapeHtml(label)}</a>`)
        .join(' ');
      return [
        '<tr>',
        `<td style="${CELL}">${escapeHtml(sender(item))}</td>`,
        ...(view.copyOf ? [`<td style="${CELL}">${escapeHtml(displayText(item.recipient))}</td>`] : []),
        `<td style="${CELL}">${escapeHtml(displayText(item.subject, 140, '(no subject)'))}</td>`,
        `<td style="${CELL}">${escapeHtml(heldAs(item))}</td>`,
        `<td style="${CELL}white-space:nowrap;">${escapeHtml(displayTime(new Date(item.receivedAt), view.timeZone))}</td>`,
        '</tr>',
        `<tr><td colspan="${view.copyOf ? 5 : 4}" style="${CELL}padding-bottom:12px;">${actions}</td></tr>`,
      ].join('');
    })
    .join('\n');
  const rest = view.total - view.items.length;
  const footer = [
    view.releaseAllUrl && view.items.length > 1
      ? `<p><a href="${escapeHtml(view.releaseAllUrl)}" style="${LINK}">Release all ${view.items.length} listed</a></p>`
      : '',
    rest > 0
      ? `<p>…and ${view.totalIsLowerBound ? 'more than ' : ''}${escapeHtml(rest.toLocaleString('en-GB'))} more. <a href="${escapeHtml(view.listUrl)}" style="${LINK}">See all held mail in ${escapeHtml(brand.productName)}</a></p>`
      : `<p><a href="${escapeHtml(view.listUrl)}" style="${LINK}">All held mail in ${escapeHtml(brand.productName)}</a></p>`,
  ].join('\n');
  const heads = ['From', ...(view.copyOf ? ['To'] : []), 'Subject', 'Held as', 'Received']
    .map((name) => `<th style="${CELL}">${name}</th>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(subjectLine(view))}</title></head>
<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:14px;color:#222;">
${logoHtml(brand)}<p style="font-size:13px;color:#555;margin:0;">${escapeHtml(brand.productName)}</p>
<h1 style="font-size:18px;margin-top:4px;border-bottom:3px solid ${brand.colour};padding-bottom:6px;">Quarantine digest for ${escapeHtml(view.recipient)}</h1>
<p>${escapeHtml(headline(view))}</p>
<table style="border-collapse:collapse;width:100%;max-width:960px;">
<thead><tr>${heads}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
${footer}
<p style="color:#666;font-size:12px;">Links work until ${escapeHtml(displayTime(view.linksExpireAt, view.timeZone))}. Opening a link changes nothing: it shows what will happen and asks you to confirm.</p>
</body></html>
`;
}

/** The digest's subject, plain text and HTML. */
export function renderDigest(view: DigestView): RenderedDigest {
  return { subject: subjectLine(view), text: renderText(view), html: renderHtml(view) };
}
