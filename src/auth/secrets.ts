import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** An unguessable value (256 bits) with a prefix that says what it is, e.g. `lzt_…` for API tokens. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 is enough for 256-bit random secrets: the stored hash cannot be turned back into a credential. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export const TOKEN_PREFIX = 'lzt_';
export const SESSION_PREFIX = 'lzs_';
