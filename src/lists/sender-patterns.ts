import addressparser from 'nodemailer/lib/addressparser/index.js';
import { canonical, canonicalDomain, canonicalOrAsGiven } from '../core/address.js';
import { LazaretError } from '../core/errors.js';

/**
 * A sender pattern as stored: an address (`news@shop.example`) or domain (`shop.example`;
 * `@shop.example` and `*.shop.example` are accepted and mean the same), both in the canonical form
 * of core/address.ts, as envelope senders are. Anything else is a `validation_error`.
 */
export function normaliseSenderPattern(input: string): string {
  const text = input.trim().replace(/^\*\./, '').replace(/^@/, '');
  try {
    if (text.startsWith('<')) throw new Error('angle brackets');
    return text.includes('@') ? canonical(text) : canonicalDomain(text);
  } catch {
    throw new LazaretError(
      'validation_error',
      `Not a sender address or domain: ${JSON.stringify(input)} (use news@shop.example or shop.example).`,
      { sender: input },
    );
  }
}

/**
 * The patterns that match a sender address: the address itself, its domain and every parent domain
 * (`a@mail.shop.example` → `a@mail.shop.example`, `mail.shop.example`, `shop.example`, `example`).
 */
export function senderPatterns(address: string): string[] {
  const text = canonicalOrAsGiven(address);
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
    return address?.includes('@') ? canonical(address) : undefined;
  } catch {
    return undefined;
  }
}
