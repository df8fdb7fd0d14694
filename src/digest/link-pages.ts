import { escapeHtml } from '../core/escape-html.js';
import type { QuarantineItem } from '../core/types.js';
import { type Brand, DEFAULT_BRAND, logoHtml } from './brand.js';
import type { DigestTranslator } from './digest-i18n.js';
import { heldAs } from './digest-render.js';
import { displayText } from './html-text.js';
import type { ItemPlan, LinkPlan, LinkResult, OpenedLink, SenderPlan } from './link-actions.js';
import type { LinkAction } from './link-token.js';

/** A page to answer a link with: status, the HTML, and the nonce its one script runs under. */
export interface Page {
  status: number;
  html: string;
}

const style = (brand: Brand) => `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#222;max-width:720px;margin:40px auto;padding:0 16px;line-height:1.45}
h1{font-size:22px}table{border-collapse:collapse;width:100%;margin:12px 0}.brand{color:#555;font-size:14px;margin:0}
td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e3e8;vertical-align:top}th{width:110px;color:#555;font-weight:500}
.item{border:1px solid #d9d9e3;border-radius:6px;padding:8px 12px;margin:12px 0}.note{color:#555;font-size:14px}
.bad{color:#a1261b}.ok{color:#1d6b2f}button{font-size:16px;padding:10px 20px;border-radius:6px;border:0;background:${brand.colour};color:#fff;cursor:pointer}
button[disabled]{background:#999;cursor:default}a{color:${brand.colour}}`;

function layout(tr: DigestTranslator, title: string, body: string, brand: Brand, nonce?: string): string {
  const script = nonce
    ? `<script nonce="${escapeHtml(nonce)}">document.getElementById('confirm').addEventListener('submit',function(){var b=document.getElementById('go');b.disabled=true;b.textContent=${escapeHtml(JSON.stringify(tr.t('page.working')))};});</script>`
    : '';
  return `<!DOCTYPE html>
<html lang="${tr.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><title>${escapeHtml(title)} · ${escapeHtml(brand.productName)}</title><style>${style(brand)}</style></head>
<body><header>${logoHtml(brand)}<p class="brand">${escapeHtml(brand.productName)}</p></header><main><h1>${escapeHtml(title)}</h1>
${body}
</main>${script}
</body></html>
`;
}

/** A sentence with a `{link}` argument, escaped, the link put in as an anchor. */
function withLink(tr: DigestTranslator, key: string, href: string): string {
  const marker = '\u0001link\u0001';
  return escapeHtml(tr.t(key, { link: marker })).replace(
    marker,
    `<a href="${escapeHtml(href)}">${escapeHtml(tr.t('page.openLazaret'))}</a>`,
  );
}

function itemTable(item: QuarantineItem, timeZone: string, tr: DigestTranslator): string {
  const rows: [string, string][] = [
    ['from', displayText(item.fromHeader ?? item.sender, 200, tr.t('noSender'))],
    ['to', displayText(item.recipient)],
    ['subject', displayText(item.subject, 200, tr.t('noSubject'))],
    ['heldAs', heldAs(item, tr)],
    ['received', tr.time(new Date(item.receivedAt), timeZone)],
    ...(item.status === 'released' && item.release
      ? ([
          [
            'released',
            tr.t('page.releasedAtTo', {
              at: tr.time(new Date(item.release.at), timeZone),
              recipients: displayText(item.release.to.join(', ')),
            }),
          ],
        ] as [string, string][])
      : []),
  ];
  return `<table>${rows.map(([key, value]) => `<tr><th>${escapeHtml(tr.t(`fields.${key}`))}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`;
}

function senderSentence(plan: SenderPlan, tr: DigestTranslator): string {
  if (plan.sender === null) return tr.t('page.sender.none');
  const key = `page.sender.${plan.action === 'allow' ? 'allow' : 'block'}${plan.scope === 'user' ? 'ForYou' : 'ForDomain'}`;
  return tr.t(key, { sender: plan.sender, domain: plan.domain ?? '' });
}

/** A known outcome or refusal code in the reader's language; any other as the server worded it. */
function known(tr: DigestTranslator, section: 'wont' | 'results', code: string, fallback: string): string {
  return code in tr.catalogue.page[section] ? tr.t(`page.${section}.${code}`) : fallback;
}

function planLine(plan: ItemPlan, tr: DigestTranslator): string {
  if ('will' in plan) {
    return `<p class="ok">${escapeHtml(tr.t(`page.will.${plan.will}`, { recipient: displayText(plan.item.recipient) }))}</p>`;
  }
  const reason = known(tr, 'wont', plan.wont, plan.reason);
  return `<p class="bad">${escapeHtml(tr.t('page.nothingWillBeDone', { reason }))}</p>`;
}

/**
 * The page a link opens: what confirming will do, and a form that POSTs back to the same link. It
 * changes nothing by itself, so a link scanner that fetches it does no harm.
 */
export function confirmPage(input: {
  opened: OpenedLink;
  plan: LinkPlan;
  action: string;
  nonce: string;
  timeZone: string;
  listUrl: string;
  tr: DigestTranslator;
  brand?: Brand;
}): Page {
  const { opened, plan, timeZone, tr } = input;
  const brand = input.brand ?? DEFAULT_BRAND;
  const action = opened.claims.action as Exclude<LinkAction, 'open'>;
  const actionable = plan.items.filter((each) => 'will' in each).length;
  const willAct = actionable > 0 || (plan.sender !== null && plan.sender.sender !== null);
  const only = plan.items.length === 1 ? plan.items[0] : undefined;
  // A link whose work is done already does not ask a question it cannot act on.
  const title = !willAct
    ? only && 'wont' in only && only.wont === 'already_released'
      ? tr.t('page.titles.alreadyReleased')
      : only && 'wont' in only && only.wont === 'already_deleted'
        ? tr.t('page.titles.alreadyDeleted')
        : tr.t('page.titles.nothingLeft')
    : action === 'release_all'
      ? tr.t('page.titles.releaseAll', { count: plan.items.length })
      : tr.t(action.startsWith('delete') ? 'page.titles.delete' : 'page.titles.release');
  const items = plan.items
    .map((each) =>
      each.item
        ? `<div class="item">${itemTable(each.item, timeZone, tr)}${planLine(each, tr)}</div>`
        : `<div class="item">${planLine(each, tr)}</div>`,
    )
    .join('\n');
  const sender = plan.sender
    ? `<p>${escapeHtml(
        plan.sender.sender === null
          ? senderSentence(plan.sender, tr)
          : tr.t('page.sender.and', { sentence: senderSentence(plan.sender, tr) }),
      )}</p>`
    : '';
  const label = tr.t(`page.buttons.${action}`, { count: actionable });
  const form = willAct
    ? `<form id="confirm" method="post" action="${escapeHtml(input.action)}"><input type="hidden" name="confirm" value="yes"><button id="go" type="submit">${escapeHtml(label)}</button></form>`
    : `<p>${escapeHtml(tr.t('page.nothingLeft'))}</p>`;
  const note = tr.t(willAct ? 'page.forUser' : 'page.forUserDone', { email: opened.user.email });
  const body = `<p class="note">${escapeHtml(note)}</p>
${items}
${sender}
${form}
<p class="note">${withLink(tr, 'page.seeAll', input.listUrl)}</p>`;
  return { status: 200, html: layout(tr, title, body, brand, willAct ? input.nonce : undefined) };
}

function resultLine(result: LinkResult['items'][number], tr: DigestTranslator): string {
  if (result.code === 'ok') {
    const text =
      result.done === 'released'
        ? tr.t('page.results.released', {
            recipients: displayText(result.item?.release?.to.join(', ') ?? result.item?.recipient),
          })
        : tr.t(result.done === 'deleted' ? 'page.results.deleted' : 'page.results.requested');
    return `<p class="ok">${escapeHtml(text)}</p>`;
  }
  const text =
    result.code in tr.catalogue.page.results
      ? tr.t(`page.results.${result.code}`)
      : known(tr, 'wont', result.code, result.message);
  return `<p class="${result.code.startsWith('already') ? 'ok' : 'bad'}">${escapeHtml(text)}</p>`;
}

/** The page after confirming: what happened to each item and to the sender lists. */
export function resultPage(input: {
  opened: OpenedLink;
  result: LinkResult;
  timeZone: string;
  listUrl: string;
  tr: DigestTranslator;
  brand?: Brand;
}): Page {
  const { result, tr } = input;
  const brand = input.brand ?? DEFAULT_BRAND;
  const ok = result.items.filter((each) => each.code === 'ok').length;
  const title =
    result.items.length === 1
      ? tr.t('page.titles.done')
      : tr.t('page.titles.doneCount', { ok, count: result.items.length });
  const items = result.items
    .map((each) =>
      each.item
        ? `<div class="item">${itemTable(each.item, input.timeZone, tr)}${resultLine(each, tr)}</div>`
        : `<div class="item">${resultLine(each, tr)}</div>`,
    )
    .join('\n');
  const sender = result.sender
    ? result.sender.code === 'ok'
      ? `<p class="ok">${escapeHtml(tr.t('page.sender.listed', { sentence: senderSentence(result.sender, tr) }))}</p>`
      : `<p class="bad">${escapeHtml(result.sender.sender === null ? tr.t('page.sender.noAddress') : result.sender.message)}</p>`
    : '';
  const body = `${items}
${sender}
<p class="note">${withLink(tr, 'page.seeAllAgain', input.listUrl)}</p>`;
  return { status: 200, html: layout(tr, title, body, brand) };
}

/** Why a link is refused, by error code (and `account_closed` for a link to a closed account). */
export type RefusalCode =
  | 'link_invalid'
  | 'account_closed'
  | 'link_expired'
  | 'not_found'
  | 'link_wrong_user'
  | 'internal_error';

const REFUSAL_STATUS: Record<RefusalCode, number> = {
  link_invalid: 400,
  account_closed: 400,
  link_expired: 410,
  not_found: 404,
  link_wrong_user: 403,
  internal_error: 500,
};

/** The page refusing a link: why, and what to do instead. Nothing has been done. */
export function refusalPage(
  code: RefusalCode,
  input: { listUrl: string; tr: DigestTranslator; email?: string; brand?: Brand },
): Page {
  const { tr } = input;
  const say = (part: string) => tr.t(`page.refusals.${code}.${part}`, { email: input.email ?? '' });
  const body = `<p class="bad">${escapeHtml(say('message'))}</p>
<p>${escapeHtml(say('advice'))}</p>
<p class="note">${escapeHtml(tr.t('page.nothingChanged'))} <a href="${escapeHtml(input.listUrl)}">${escapeHtml(tr.t('page.openLazaret'))}</a></p>`;
  return { status: REFUSAL_STATUS[code], html: layout(tr, say('title'), body, input.brand ?? DEFAULT_BRAND) };
}
