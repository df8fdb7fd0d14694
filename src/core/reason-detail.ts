/*
 * Why an item was held, in a few words beyond its reason: the virus name or the policy rule that
 * matched, read from the scanner details the verdict pipeline stores. One statement for the web UI's
 * list and verdict card (web/src/lib/verdict.ts imports it) and for digest mail.
 */

type Details = Record<string, unknown>;

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** A policy rule and what it matched, in words, e.g. "blocked file extension .exe (invoice.exe)". */
export function policyRule(details: Details): string | null {
  const rule = text(details.rule);
  if (!rule) return null;
  const filename = text(details.filename);
  const file = filename ? ` (${filename})` : '';
  switch (rule) {
    case 'blocked-extension':
      return `blocked file extension .${text(details.extension) ?? '?'}${file}`;
    case 'blocked-extension-in-archive':
      return `blocked file extension .${text(details.extension) ?? '?'} inside ${text(details.archive) ?? 'an archive'}${file}`;
    case 'blocked-mime-type':
      return `blocked attachment type ${text(details.contentType) ?? '?'}${file}`;
    case 'max-size':
      return `larger than the limit of ${number(details.limit) ?? '?'} bytes`;
    case 'capture':
      return 'capture mode: every message is held';
    case 'sender-block': {
      const entry = text(details.entry);
      const level = text(details.level);
      return `sender blocked${entry ? ` by ${entry}` : ''}${level ? ` (${level} list)` : ''}`;
    }
    default:
      return rule;
  }
}

/** What a list adds to an item's reason: the virus, else the policy rule; null when neither is known. */
export function reasonDetail(details: Details): string | null {
  return text(details.virus) ?? policyRule(details);
}
