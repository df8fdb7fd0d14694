import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/store/sqlite/group-commit.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';

describe('group commit', () => {
  let dir: string;
  let db: Database;
  let commits: GroupCommit;
  let transactions: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-group-commit-'));
    db = openSqliteDatabase(join(dir, 'test.sqlite'));
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE) STRICT');
    commits = new GroupCommit(db);
    transactions = 0;
    const begin = db.transaction.bind(db);
    db.transaction = ((fn: (...args: unknown[]) => unknown) => {
      const wrapped = begin(fn);
      return Object.assign((...args: unknown[]) => {
        if (!db.inTransaction) transactions += 1;
        return wrapped(...args);
      }, wrapped);
    }) as typeof db.transaction;
  });

  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const insert = (text: string) => () =>
    db.prepare('INSERT INTO notes (text) VALUES (?)').run(text).lastInsertRowid;

  it('commits writes asked for in the same turn as one transaction', async () => {
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((text) => commits.run(insert(text))));
    expect(results).toHaveLength(4);
    expect(transactions).toBe(1);
    expect(db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 4 });
  });

  it('rolls back only the write that failed; the others of the batch are committed', async () => {
    await commits.run(insert('taken'));
    const outcomes = await Promise.allSettled([
      commits.run(insert('first')),
      commits.run(() => {
        insert('half-written')();
        return insert('taken')();
      }),
      commits.run(insert('last')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(db.prepare('SELECT text FROM notes ORDER BY id').all()).toEqual([
      { text: 'taken' },
      { text: 'first' },
      { text: 'last' },
    ]);
  });

  it('resolves only after the commit: the data is readable by another connection then', async () => {
    const other = openSqliteDatabase(join(dir, 'test.sqlite'));
    try {
      await commits.run(insert('visible'));
      expect(other.prepare('SELECT text FROM notes').all()).toEqual([{ text: 'visible' }]);
    } finally {
      other.close();
    }
  });
});
