import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { LazaretError } from '../core/errors.js';
import { isId } from '../core/ids.js';

/** What a digest link may ask for. */
export const LINK_ACTIONS = [
  'release',
  'release_allow',
  'delete',
  'delete_block',
  'open',
  'release_all',
] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

/** What a signed link names: who it was sent to, which items, what to do, and until when. */
export interface LinkClaims {
  action: LinkAction;
  userId: string;
  /** One item, except for `release_all` (every item listed in the digest). */
  itemIds: string[];
  /** Whole seconds; the link is refused from this moment on. */
  expiresAt: Date;
}

const VERSION = 1;
const MAC_BYTES = 32;
const HEAD_BYTES = 1 + 1 + 4 + 16 + 2;
/** More than any digest lists; bounds the work of verifying a hostile token. */
export const MAX_LINK_ITEMS = 200;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID's 128 bits. */
export function ulidToBytes(id: string): Buffer {
  let value = 0n;
  for (const char of id) value = (value << 5n) | BigInt(CROCKFORD.indexOf(char));
  const bytes = Buffer.alloc(16);
  for (let index = 15; index >= 0; index -= 1) {
    bytes[index] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}

export function bytesToUlid(bytes: Buffer): string {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let text = '';
  for (let index = 0; index < 26; index += 1) {
    text = CROCKFORD[Number(value & 31n)]! + text;
    value >>= 5n;
  }
  return text;
}

/** A purpose-bound key derived from a configured secret, so one secret never signs two kinds of thing. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), purpose, 32));
}

const invalid = () =>
  new LazaretError(
    'link_invalid',
    'This link is not valid: it is damaged, was changed, or its key was retired.',
  );

/**
 * Signs and checks digest links: a compact binary payload (version, action, expiry, user id, item
 * ids) followed by its HMAC-SHA256, base64url-encoded. The first key signs; every key verifies, so a
 * key can be rotated while links signed with the old one still work.
 */
export class LinkSigner {
  private readonly keys: Buffer[];
  private readonly sealKeys: Buffer[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('LinkSigner needs at least one key');
    this.keys = secrets.map((secret) => deriveKey(secret, 'lazaret digest links v1'));
    this.sealKeys = secrets.map((secret) => deriveKey(secret, 'lazaret digest seal v1'));
  }

  /**
   * The value of a digest's `X-Lazaret-Digest` header: proof that Lazaret itself sent this digest to
   * `recipient` at `at`, so that Lazaret never holds its own digest when it comes back through the
   * filter. Bound to the recipient and time, it cannot be moved to other mail to other people.
   */
  sealDigest(recipient: string, at: Date): string {
    const time = Math.floor(at.getTime() / 1000);
    return `v=1; t=${time}; s=${this.sealMac(this.sealKeys[0]!, recipient, time)}`;
  }

  /** Whether `value` is a seal this server made for `recipient` within `maxAgeMs` before `now`. */
  verifySeal(value: string, recipient: string, now: Date, maxAgeMs: number): boolean {
    const match = /^v=1; t=(\d{1,12}); s=([A-Za-z0-9_-]{43})$/.exec(value.trim());
    if (!match) return false;
    const time = Number(match[1]);
    const age = now.getTime() - time * 1000;
    if (age < -300_000 || age > maxAgeMs) return false;
    const given = Buffer.from(match[2]!, 'utf8');
    return this.sealKeys.some((key) => {
      const expected = Buffer.from(this.sealMac(key, recipient, time), 'utf8');
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  private sealMac(key: Buffer, recipient: string, time: number): string {
    return createHmac('sha256', key).update(`${recipient.trim().toLowerCase()}\n${time}`).digest('base64url');
  }

  sign(claims: LinkClaims): string {
    if (claims.itemIds.length === 0 || claims.itemIds.length > MAX_LINK_ITEMS) {
      throw new Error(`a link names 1 to ${MAX_LINK_ITEMS} items, not ${claims.itemIds.length}`);
    }
    const payload = Buffer.alloc(HEAD_BYTES + 16 * claims.itemIds.length);
    payload.writeUInt8(VERSION, 0);
    payload.writeUInt8(LINK_ACTIONS.indexOf(claims.action), 1);
    payload.writeUInt32BE(Math.floor(claims.expiresAt.getTime() / 1000), 2);
    ulidToBytes(claims.userId).copy(payload, 6);
    payload.writeUInt16BE(claims.itemIds.length, 22);
    claims.itemIds.forEach((id, index) => {
      ulidToBytes(id).copy(payload, HEAD_BYTES + 16 * index);
    });
    return Buffer.concat([payload, this.mac(this.keys[0]!, payload)]).toString('base64url');
  }

  /**
   * The claims of a token this server signed with any of its keys. Rejects with `link_invalid` for
   * anything else (malformed, altered, unknown key) and, only once the signature holds, with
   * `link_expired` when `now` is at or past its expiry.
   */
  verify(token: string, now: Date): LinkClaims {
    if (!/^[A-Za-z0-9_-]{1,8000}$/.test(token)) throw invalid();
    const bytes = Buffer.from(token, 'base64url');
    // Base64 decoding skips a stray last character and unused bits: accept only the one spelling.
    if (bytes.toString('base64url') !== token) throw invalid();
    if (bytes.length < HEAD_BYTES + 16 + MAC_BYTES) throw invalid();
    const payload = bytes.subarray(0, bytes.length - MAC_BYTES);
    const mac = bytes.subarray(bytes.length - MAC_BYTES);
    if (!this.keys.some((key) => timingSafeEqual(this.mac(key, payload), mac))) throw invalid();
    const action = LINK_ACTIONS[payload.readUInt8(1)];
    const count = payload.readUInt16BE(22);
    if (payload.readUInt8(0) !== VERSION || !action || payload.length !== HEAD_BYTES + 16 * count) {
      throw invalid();
    }
    const claims: LinkClaims = {
      action,
      expiresAt: new Date(payload.readUInt32BE(2) * 1000),
      userId: bytesToUlid(payload.subarray(6, 22)),
      itemIds: Array.from({ length: count }, (_, index) =>
        bytesToUlid(payload.subarray(HEAD_BYTES + 16 * index, HEAD_BYTES + 16 * (index + 1))),
      ),
    };
    if (!isId(claims.userId) || !claims.itemIds.every(isId)) throw invalid();
    if (now.getTime() >= claims.expiresAt.getTime()) {
      throw new LazaretError('link_expired', 'This link has expired.', {
        expiredAt: claims.expiresAt.toISOString(),
      });
    }
    return claims;
  }

  private mac(key: Buffer, payload: Buffer): Buffer {
    return createHmac('sha256', key).update(payload).digest();
  }
}
