import { LazaretError } from '../core/errors.js';
import type { Page } from './item-store.js';

/** Position after the last item of a page, in the list order (receivedAt desc, id desc). */
export interface ListPosition {
  receivedAt: string;
  id: string;
}

export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.receivedAt, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): ListPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string'
    ) {
      return { receivedAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new LazaretError('bad_cursor', 'The cursor is not one this server issued; start again without it.');
}

/** Position after the last item of a page in another order: that order, the item's sort value, its id. */
export interface OrderedPosition {
  order: string;
  value: string | number;
  id: string;
}

export function encodeOrderedCursor(position: OrderedPosition): string {
  return Buffer.from(JSON.stringify(['o', position.order, position.value, position.id]), 'utf8').toString(
    'base64url',
  );
}

/** Decodes a cursor of `order`; a cursor of another order (or none we issued) is `bad_cursor`. */
export function decodeOrderedCursor(cursor: string, order: string): OrderedPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
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
  } catch {
    // fall through to the error below
  }
  throw new LazaretError(
    'bad_cursor',
    'The cursor belongs to another order or listing, or this server did not issue it; start again without it.',
  );
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
