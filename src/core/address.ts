import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { LazaretError } from './errors.js';
import { firstUnsafeCharacter } from './safe-text.js';

/**
 * The one canonical form of a mail address, used for every address Lazaret stores or compares:
 * envelope senders and recipients at SMTP ingest and import, and every address an API or CLI caller
 * gives (users, release recipients, filters, sender lists). The rule, also in docs/search.md
 * ("Addresses"):
 *
 * - Quoting that is not needed goes: `"alice"@a.test` is `alice@a.test` (RFC 5321 §4.1.2: the two
 *   spellings name one mailbox). A local part that needs quotes keeps them, with only `"` and `\`
 *   escaped.
 * - ASCII letters of the local part are lower-cased: Postfix, Dovecot, Exchange and the big
 *   providers deliver `Alice@` and `alice@` to one mailbox, and Lazaret has always matched people
 *   that way. Nothing else of the local part changes: no Unicode case folding or normalisation, no
 *   removal of dots or `+tags` — those name different addresses to a mail server, and merging them
 *   would show one person another's mail.
 * - The domain is lower-cased and IDNA-normalised to its ASCII (A-label) form: `Bücher.test` and
 *   `xn--bcher-kva.test` are one domain in DNS. Address literals (`[192.0.2.1]`, `[IPv6:…]`) are
 *   kept, IPv6 written in its shortest form.
 * - RFC 5321 §4.5.3.1 lengths hold: local part ≤ 64 octets, domain ≤ 255, the whole path `<…>` ≤ 256
 *   (so the address itself ≤ 254).
 * - Controls, bidi and other invisible format characters are refused anywhere in an address.
 */

export const ADDRESS_LIMITS = { localPart: 64, domain: 255, path: 256 } as const;

export interface CanonicalAddress {
  address: string;
  localPart: string;
  domain: string;
  /**
   * The local part has non-ASCII characters: over SMTP the address needs the SMTPUTF8 parameter
   * (RFC 6531). A non-ASCII domain does not count: it has an ASCII (A-label) form, and smtp-server
   * hands A-labels over decoded, so the spelling the client used cannot be told anyway.
   */
  international: boolean;
}

/** RFC 5322 atext plus RFC 6531's UTF8-non-ascii. */
const ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+$/u;
/** qtextSMTP and quoted-pairSMTP (RFC 5321 §4.1.2) plus UTF8-non-ascii. */
const QUOTED = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\u{10FFFF}]|\\[\x20-\x7e])*)"$/u;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const NON_ASCII = /[^\p{ASCII}]/u;

const octets = (text: string) => Buffer.byteLength(text, 'utf8');

function bad(problem: string, input: string): LazaretError {
  return new LazaretError(
    'address_invalid',
    `Not a valid mail address (${problem}): ${JSON.stringify(input.slice(0, 300))}`,
    {
      address: input.slice(0, 300),
      problem,
    },
  );
}

function isDotAtom(text: string): boolean {
  return text.split('.').every((atom) => ATOM.test(atom));
}

function canonicalLocalPart(local: string, input: string): string {
  let text: string;
  if (local.startsWith('"')) {
    const quoted = QUOTED.exec(local);
    if (!quoted) throw bad('badly quoted local part', input);
    text = quoted[1]!.replace(/\\(.)/gu, '$1');
  } else {
    if (!isDotAtom(local))
      throw bad('local part has characters that need quotes, or empty dot-separated parts', input);
    text = local;
  }
  text = text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
  return isDotAtom(text) ? text : `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** A domain in canonical form: lower-case A-labels, or a checked address literal. */
export function canonicalDomain(domain: string, input = domain): string {
  if (domain.startsWith('[')) {
    const literal = /^\[(?:(IPv6:)(.+)|(.+))\]$/i.exec(domain);
    if (literal?.[3] && isIPv4(literal[3])) return `[${literal[3]}]`;
    if (literal?.[2] && isIPv6(literal[2]))
      return `[IPv6:${new URL(`http://[${literal[2]}]`).hostname.slice(1, -1)}]`;
    throw bad('bad address literal', input);
  }
  const ascii = domainToASCII(domain);
  if (ascii === '' || !ascii.split('.').every((label) => LABEL.test(label))) {
    throw bad('bad domain', input);
  }
  if (octets(ascii) > ADDRESS_LIMITS.domain)
    throw bad(`domain longer than ${ADDRESS_LIMITS.domain} octets`, input);
  return ascii;
}

/**
 * The canonical form of `input` (see the rule above), or `address_invalid` naming what is wrong.
 * Surrounding spaces and tabs and one pair of angle brackets are tolerated.
 */
export function canonicalAddress(input: string): CanonicalAddress {
  // Only spaces and tabs are trimmed: String.trim would also drop U+2028 and friends unseen.
  const text = input.replace(/^[ \t]+|[ \t]+$/g, '').replace(/^<(.*)>$/s, '$1');
  const unsafe = firstUnsafeCharacter(text);
  if (unsafe) throw bad(`character ${unsafe} is not allowed`, input);
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw bad('needs local-part@domain', input);
  const localPart = canonicalLocalPart(text.slice(0, at), input);
  const domain = canonicalDomain(text.slice(at + 1), input);
  if (octets(localPart) > ADDRESS_LIMITS.localPart) {
    throw bad(`local part longer than ${ADDRESS_LIMITS.localPart} octets`, input);
  }
  const address = `${localPart}@${domain}`;
  if (octets(address) + 2 > ADDRESS_LIMITS.path) {
    throw bad(`longer than ${ADDRESS_LIMITS.path - 2} octets`, input);
  }
  return { address, localPart, domain, international: NON_ASCII.test(localPart) };
}

/** The canonical address, or `address_invalid`. */
export function canonical(input: string): string {
  return canonicalAddress(input).address;
}

/** Several addresses in canonical form, each once (release recipients); `address_invalid` for the first bad one. */
export function canonicalList(inputs: readonly string[]): string[] {
  return [...new Set(inputs.map(canonical))];
}

/**
 * For looking an address up (sign-in, a user by email): its canonical form, or — when it has none —
 * the text lower-cased, which then simply matches nothing, so a lookup answers "unknown" rather than
 * a different error that would tell valid from invalid spellings apart.
 */
export function canonicalOrAsGiven(input: string): string {
  try {
    return canonical(input);
  } catch {
    return input.trim().toLowerCase();
  }
}

/** The domain of a canonical address ('' for one without, like the null sender). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1);
}
