import addressparser from 'nodemailer/lib/addressparser/index.js';
import { LazaretError } from '../core/errors.js';

const DOMAIN =
  /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const LOCAL_PART = /^[^\s@<>()[\]\\,;:"]{1,64}$/;

/**
 * A sender pattern as stored: a lower-cased address (`news@shop.example`) or domain
 * (`shop.example`; `@shop.example` and `*.shop.example` are accepted and mean the same). Anything
 * else is a `validation_error`.
 */
export function normaliseSenderPattern(input: string): string {
  const text = input.trim().toLowerCase().replace(/^\*\./, '').replace(/^@/, '');
  const at = text.lastIndexOf('@');
  const domain = at === -1 ? text : text.slice(at + 1);
  const local = at === -1 ? null : text.slice(0, at);
  if (!DOMAIN.test(domain) || (local !== null && !LOCAL_PART.test(local))) {
    throw new LazaretError(
      'validation_error',
      `Not a sender address or domain: ${JSON.stringify(input)} (use news@shop.example or shop.example).`,
      { sender: input },
    );
  }
  return text;
}

/**
 * The patterns that match a sender address: the address itself, its domain and every parent domain
 * (`a@mail.shop.example` → `a@mail.shop.example`, `mail.shop.example`, `shop.example`, `example`).
 */
export function senderPatterns(address: string): string[] {
  const text = address.trim().toLowerCase();
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return [];
  const patterns = [text];
  const labels = text.slice(at + 1).split('.');
  for (let index = 0; index < labels.length; index += 1) {
    const domain = labels.slice(index).join('.');
    if (domain) patterns.push(domain);
  }
  return patterns;
}

/** The address part of a From header (`"Shop" <news@shop.example>` → `news@shop.example`), if any. */
export function fromHeaderAddress(fromHeader: string | undefined): string | undefined {
  if (!fromHeader) return undefined;
  try {
    const address = addressparser(fromHeader, { flatten: true })[0]?.address;
    return address?.includes('@') ? address.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
