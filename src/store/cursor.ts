import { LazaretError } from '../core/errors.js';
import type { Page } from './item-store.js';

/** Position after the last item of a page, in the list order (receivedAt desc, id desc). */
export interface ListPosition {
  receivedAt: string;
  id: string;
}

/** A cursor is JSON, base64url-encoded: opaque to clients, and anything else is told apart on decoding. */
function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The decoded JSON, or undefined for text that is not a cursor at all. */
function decode(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function notIssued(
  message = 'The cursor is not one this server issued; start again without it.',
): LazaretError {
  return new LazaretError('bad_cursor', message);
}

export function encodeCursor(position: ListPosition): string {
  return encode([position.receivedAt, position.id]);
}

export function decodeCursor(cursor: string): ListPosition {
  const parsed = decode(cursor);
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    typeof parsed[0] === 'string' &&
    typeof parsed[1] === 'string'
  ) {
    return { receivedAt: parsed[0], id: parsed[1] };
  }
  throw notIssued();
}

/** Position after the last item of a page in another order: that order, the item's sort value, its id. */
export interface OrderedPosition {
  order: string;
  value: string | number;
  id: string;
}

export function encodeOrderedCursor(position: OrderedPosition): string {
  return encode(['o', position.order, position.value, position.id]);
}

/** Decodes a cursor of `order`; a cursor of another order (or none we issued) is `bad_cursor`. */
export function decodeOrderedCursor(cursor: string, order: string): OrderedPosition {
  const parsed = decode(cursor);
  if (
    Array.isArray(parsed) &&
    parsed.length === 4 &&
    parsed[0] === 'o' &&
    parsed[1] === order &&
    (typeof parsed[2] === 'string' || typeof parsed[2] === 'number') &&
    typeof parsed[3] === 'string'
  ) {
    return { order, value: parsed[2], id: parsed[3] };
  }
  throw notIssued(
    'The cursor belongs to another order or listing, or this server did not issue it; start again without it.',
  );
}

/** Position in a sequence numbered from 1 (a job's items): the last sequence number of a page. */
export function encodeSeqCursor(seq: number): string {
  return encode({ seq });
}

export function decodeSeqCursor(cursor: string): number {
  const parsed = decode(cursor);
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    'seq' in parsed &&
    typeof parsed.seq === 'number' &&
    Number.isInteger(parsed.seq)
  ) {
    return parsed.seq;
  }
  throw notIssued();
}

/**
 * A page from up to `limit + 1` rows read: the extra row only tells that there is a next page, whose
 * cursor is made from the last item kept. `toItem` turns the kept rows into items.
 */
export function pageOf<T>(found: readonly T[], limit: number, cursorOf: (last: T) => string): Page<T>;
export function pageOf<R, T>(
  rows: readonly R[],
  limit: number,
  cursorOf: (last: T) => string,
  toItem: (row: R) => T,
): Page<T>;
export function pageOf<R, T>(
  rows: readonly R[],
  limit: number,
  cursorOf: (last: T) => string,
  toItem: (row: R) => T = (row) => row as unknown as T,
): Page<T> {
  const items = rows.slice(0, limit).map(toItem);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
