import { escapeHtml } from '../core/escape-html.js';
import { reasonDetail } from '../core/reason-detail.js';
import type { QuarantineItem } from '../core/types.js';
import { type Brand, DEFAULT_BRAND, logoHtml } from './brand.js';
import { displayText, displayTime } from './html-text.js';
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

function layout(title: string, body: string, brand: Brand, nonce?: string): string {
  const script = nonce
    ? `<script nonce="${escapeHtml(nonce)}">document.getElementById('confirm').addEventListener('submit',function(){var b=document.getElementById('go');b.disabled=true;b.textContent='Working…';});</script>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><title>${escapeHtml(title)} · ${escapeHtml(brand.productName)}</title><style>${style(brand)}</style></head>
<body><header>${logoHtml(brand)}<p class="brand">${escapeHtml(brand.productName)}</p></header><main><h1>${escapeHtml(title)}</h1>
${body}
</main>${script}
</body></html>
`;
}

/** The reason with its detail: "malware: Win.Test.EICAR_HDB-1". */
function heldAs(item: QuarantineItem): string {
  const detail = reasonDetail(item.details);
  return detail ? `${item.reason}: ${displayText(detail, 120)}` : item.reason;
}

function itemTable(item: QuarantineItem, timeZone: string): string {
  const rows: [string, string][] = [
    ['From', displayText(item.fromHeader ?? item.sender, 200, '(no sender)')],
    ['To', displayText(item.recipient)],
    ['Subject', displayText(item.subject, 200, '(no subject)')],
    ['Held as', heldAs(item)],
    ['Received', displayTime(new Date(item.receivedAt), timeZone)],
    ...(item.status === 'released' && item.release
      ? ([
          [
            'Released',
            `${displayTime(new Date(item.release.at), timeZone)} to ${displayText(item.release.to.join(', '))}`,
          ],
        ] as [string, string][])
      : []),
  ];
  return `<table>${rows.map(([name, value]) => `<tr><th>${name}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`;
}

const WILL: Record<'release' | 'request_release' | 'delete', (item: QuarantineItem) => string> = {
  release: (item) => `It will be delivered to ${displayText(item.recipient)}.`,
  request_release: () => 'You may not release it yourself: an administrator will be asked to release it.',
  delete: () => 'It will be deleted. This cannot be undone.',
};

function senderSentence(plan: SenderPlan): string {
  if (plan.sender === null) return 'The message has no sender address, so no sender can be listed.';
  const whose = plan.scope === 'user' ? 'for you' : `for everyone at ${plan.domain}`;
  return plan.action === 'allow'
    ? `from now on, mail from ${plan.sender} is no longer held as spam or bulk mail ${whose} (mail held as malware, phishing or by policy still is).`
    : `from now on, all mail from ${plan.sender} is held ${whose}.`;
}

const BUTTON: Record<Exclude<LinkAction, 'open'>, string> = {
  release: 'Release',
  release_allow: 'Release and always allow sender',
  delete: 'Delete',
  delete_block: 'Delete and always block sender',
  release_all: 'Release all',
};

function planLine(plan: ItemPlan): string {
  if ('will' in plan) return `<p class="ok">${escapeHtml(WILL[plan.will](plan.item))}</p>`;
  return `<p class="bad">Nothing will be done: ${escapeHtml(plan.reason)}</p>`;
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
  brand?: Brand;
}): Page {
  const { opened, plan, timeZone } = input;
  const brand = input.brand ?? DEFAULT_BRAND;
  const action = opened.claims.action as Exclude<LinkAction, 'open'>;
  const actionable = plan.items.filter((each) => 'will' in each).length;
  const senderActs = plan.sender !== null && plan.sender.sender !== null;
  const willAct = actionable > 0 || senderActs;
  const only = plan.items.length === 1 ? plan.items[0] : undefined;
  // A link whose work is done already does not ask a question it cannot act on.
  const title = !willAct
    ? only && 'wont' in only && only.wont === 'already_released'
      ? 'This message was released already'
      : only && 'wont' in only && only.wont === 'already_deleted'
        ? 'This message was deleted already'
        : 'Nothing left to do'
    : action === 'release_all'
      ? `Release ${plan.items.length} held messages?`
      : action.startsWith('delete')
        ? 'Delete this held message?'
        : 'Release this held message?';
  const items = plan.items
    .map((each) =>
      each.item
        ? `<div class="item">${itemTable(each.item, timeZone)}${planLine(each)}</div>`
        : `<div class="item">${planLine(each)}</div>`,
    )
    .join('\n');
  const sender = plan.sender
    ? `<p>${escapeHtml(plan.sender.sender === null ? senderSentence(plan.sender) : `And ${senderSentence(plan.sender)}`)}</p>`
    : '';
  const label = action === 'release_all' ? `Release ${actionable} messages` : BUTTON[action];
  const form = willAct
    ? `<form id="confirm" method="post" action="${escapeHtml(input.action)}"><input type="hidden" name="confirm" value="yes"><button id="go" type="submit">${escapeHtml(label)}</button></form>`
    : '<p>There is nothing left to do for this link.</p>';
  const note = willAct
    ? `For ${opened.user.email}. Nothing has happened yet: it happens only when you press the button.`
    : `For ${opened.user.email}.`;
  const body = `<p class="note">${escapeHtml(note)}</p>
${items}
${sender}
${form}
<p class="note"><a href="${escapeHtml(input.listUrl)}">Open ${escapeHtml(brand.productName)}</a> to see all your held mail.</p>`;
  return { status: 200, html: layout(title, body, brand, willAct ? input.nonce : undefined) };
}

function resultLine(result: LinkResult['items'][number]): string {
  if (result.code === 'ok') {
    const text =
      result.done === 'released'
        ? `Released: delivered to ${displayText(result.item?.release?.to.join(', ') ?? result.item?.recipient)}.`
        : result.done === 'deleted'
          ? 'Deleted.'
          : 'Release requested: an administrator will decide.';
    return `<p class="ok">${escapeHtml(text)}</p>`;
  }
  const known: Partial<Record<string, string>> = {
    already_released: 'It was released already; nothing was sent again.',
    already_deleted: 'It was deleted already.',
    already_requested: 'Its release was requested already.',
    delivery_deferred: 'The mail server did not take it just now; it stays in quarantine. Try again later.',
    delivery_rejected: 'The mail server refused it; it stays in quarantine.',
  };
  return `<p class="${result.code.startsWith('already') ? 'ok' : 'bad'}">${escapeHtml(known[result.code] ?? result.message)}</p>`;
}

/** The page after confirming: what happened to each item and to the sender lists. */
export function resultPage(input: {
  opened: OpenedLink;
  result: LinkResult;
  timeZone: string;
  listUrl: string;
  brand?: Brand;
}): Page {
  const { result } = input;
  const brand = input.brand ?? DEFAULT_BRAND;
  const ok = result.items.filter((each) => each.code === 'ok').length;
  const title = result.items.length === 1 ? 'Done' : `Done: ${ok} of ${result.items.length}`;
  const items = result.items
    .map((each) =>
      each.item
        ? `<div class="item">${itemTable(each.item, input.timeZone)}${resultLine(each)}</div>`
        : `<div class="item">${resultLine(each)}</div>`,
    )
    .join('\n');
  const sender = result.sender
    ? result.sender.code === 'ok'
      ? `<p class="ok">${escapeHtml(`Listed: ${senderSentence(result.sender)}`)}</p>`
      : `<p class="bad">${escapeHtml(result.sender.message)}</p>`
    : '';
  const body = `${items}
${sender}
<p class="note"><a href="${escapeHtml(input.listUrl)}">Open ${escapeHtml(brand.productName)}</a> to see all your held mail. Using this link again does no harm.</p>`;
  return { status: 200, html: layout(title, body, brand) };
}

const REFUSALS: Record<string, { status: number; title: string; advice: string }> = {
  link_invalid: {
    status: 400,
    title: 'This link is not valid',
    advice:
      'It may have been cut or changed on its way, or it is too old for this server. Use a link from a newer digest, or sign in to Lazaret.',
  },
  link_expired: {
    status: 410,
    title: 'This link has expired',
    advice:
      'Digest links work for a limited time. Sign in to Lazaret to handle the message, or wait for your next digest.',
  },
  not_found: {
    status: 404,
    title: 'This link is not for your mail',
    advice:
      'The message it names is not in your quarantine (any more). Sign in to Lazaret to see what is held for you.',
  },
  link_wrong_user: {
    status: 403,
    title: 'This link is for someone else',
    advice:
      'Sign out of Lazaret in this browser first, or open the link where you are signed in as its addressee.',
  },
};

/** The page refusing a link: why, and what to do instead. Nothing has been done. */
export function refusalPage(code: string, message: string, listUrl: string, brand = DEFAULT_BRAND): Page {
  const refusal = REFUSALS[code] ?? {
    status: 500,
    title: 'Something went wrong',
    advice: 'Nothing was changed. Try again later, or sign in to Lazaret.',
  };
  const body = `<p class="bad">${escapeHtml(message)}</p>
<p>${escapeHtml(refusal.advice.replaceAll('Lazaret', brand.productName))}</p>
<p class="note">Nothing was changed. <a href="${escapeHtml(listUrl)}">Open ${escapeHtml(brand.productName)}</a></p>`;
  return { status: refusal.status, html: layout(refusal.title, body, brand) };
}
