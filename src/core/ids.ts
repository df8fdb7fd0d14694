import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

// ulid's default PRNG asks the OS for one byte per character; draw them from a refilled pool instead
// (the same CSPRNG, one call per 4,096 bytes), which takes ids off the ingest profile.
const pool = Buffer.alloc(4096);
let used = pool.length;
function randomFraction(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++]! / 256;
}

const nextUlid = monotonicFactory(randomFraction);

/** A new ULID: 26 characters, sortable by creation time, monotonic within this process. */
export function newId(): string {
  return nextUlid();
}

/** The exact form of every Lazaret id: 26 Crockford base-32 characters, upper case. */
export const ID_PATTERN = '^[0-9A-HJKMNP-TV-Z]{26}$';
const ULID_PATTERN = new RegExp(ID_PATTERN);

export function isId(value: string): boolean {
  return ULID_PATTERN.test(value);
}
