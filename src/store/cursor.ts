import { LazaretError } from '../core/errors.js';

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
