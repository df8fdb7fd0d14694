import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { tempDir } from '../support/env.js';

describe('embedded schema migrations', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  afterEach(() => work?.cleanup());

  it('run each new step once, in order, and only forward', async () => {
    work = await tempDir('lazaret-migrate-');
    const path = join(work.path, 'lazaret.sqlite');
    const v1 = { name: 'demo', steps: ['CREATE TABLE a (x INTEGER) STRICT'] };
    const v2 = { name: 'demo', steps: [...v1.steps, 'ALTER TABLE a ADD COLUMN y TEXT'] };
    let db = openSqliteDatabase(path);
    migrate(db, v1);
    db.prepare('INSERT INTO a (x) VALUES (1)').run();
    db.close();

    // The next release: its new step runs at start; the data stays.
    db = openSqliteDatabase(path);
    migrate(db, v2);
    migrate(db, v2);
    expect(db.prepare('SELECT x, y FROM a').all()).toEqual([{ x: 1, y: null }]);
    db.close();

    // The previous release again: refused, with the reason, instead of running on a schema it does not know.
    db = openSqliteDatabase(path);
    expect(() => migrate(db, v1)).toThrow(
      'The data dir was written by a newer Lazaret (schema demo has 2 steps, this version knows 1); start that version or restore a backup',
    );
    db.close();
  });
});
