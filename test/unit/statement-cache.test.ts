import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { STATEMENT_CACHE_SIZE, StatementCache } from '../../src/store/sqlite/sqlite-statements.js';

describe('StatementCache', () => {
  it('reuses the statement of a text it holds', () => {
    const cache = new StatementCache(new Database(':memory:'));
    expect(cache.get('SELECT 1')).toBe(cache.get('SELECT 1'));
  });

  it('holds at most STATEMENT_CACHE_SIZE statements however many texts clients make up', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE items (id TEXT, subject TEXT)');
    const cache = new StatementCache(db);
    // Listing statements differ by their search terms (kind, order, negation): a client can make up
    // new texts forever.
    const text = (shape: number) =>
      `SELECT id FROM items WHERE ${shape
        .toString(2)
        .split('')
        .map((bit) => (bit === '1' ? 'subject LIKE ?' : 'NOT id = ?'))
        .join(' AND ')}`;
    const first = cache.get(text(1));
    for (let shape = 1; shape <= STATEMENT_CACHE_SIZE * 4; shape += 1) {
      cache.get(text(shape)).all(
        ...shape
          .toString(2)
          .split('')
          .map(() => 'x'),
      );
    }
    expect(cache.size).toBe(STATEMENT_CACHE_SIZE);
    // The most recently used are kept; the oldest was dropped and is prepared anew.
    const recent = text(STATEMENT_CACHE_SIZE * 4);
    expect(cache.get(recent)).toBe(cache.get(recent));
    expect(cache.get(text(1))).not.toBe(first);
  });
});
