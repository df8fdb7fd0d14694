import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { SqliteStatsStore } from '../../src/store/sqlite/sqlite-stats-store.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { readCounters, recountFromItems } from '../support/stats-recount.js';

const CHILD = fileURLToPath(new URL('../support/crash-stats-child.mjs', import.meta.url));

describe('SQLite stats counters after a crash', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-stats-crash-'));
    path = join(dir, 'lazaret.sqlite');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const crashPoint of ['before-fold', 'after-fold']) {
    it(`match the items when the writer dies inside its transaction (${crashPoint})`, async () => {
      const db = openSqliteDatabase(path);
      const items = new SqliteItemStore({ db });
      new SqliteStatsStore(db);
      const ids: string[] = [];
      for (let index = 0; index < 200; index += 1) {
        const message = buildMessage({
          envelope: {
            mailFrom: `s${index % 7}@bad.test`,
            rcptTo: [`u${index % 5}@one.test`, `u${index % 3}@two.test`],
          },
        });
        const built = buildItems(message);
        await items.putMessage(message, built);
        ids.push(...built.map((item) => item.id));
      }
      const before = readCounters(db);
      db.close();

      const child = spawn(process.execPath, [CHILD], {
        env: { ...process.env, DB_PATH: path, CRASH_POINT: crashPoint, ITEM_IDS: JSON.stringify(ids) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      const [code, signal] = await once(child, 'exit');
      expect({ code, signal, output }).toEqual({ code: null, signal: 'SIGKILL', output: 'DYING\n' });
      // The crash left uncommitted pages in the WAL, which recovery must ignore.
      expect((await stat(`${path}-wal`)).size).toBeGreaterThan(0);

      const reopened = openSqliteDatabase(path);
      try {
        const after = new SqliteItemStore({ db: reopened });
        const stats = new SqliteStatsStore(reopened);
        expect(reopened.prepare("SELECT count(*) FROM items WHERE status = 'deleted'").pluck().get()).toBe(0);
        expect(readCounters(reopened)).toEqual(before);
        expect(readCounters(reopened)).toEqual(recountFromItems(reopened));
        await after.transitionMany(
          ids.slice(0, 150).map((id) => ({
            id,
            expected: { status: ['quarantined'] },
            change: { status: 'deleted', at: '2026-11-21T10:00:00.000Z' },
          })),
        );
        expect(readCounters(reopened)).toEqual(recountFromItems(reopened));
        const answer = await stats.stats({}, { fromDay: '2026-11-01', toDay: '2026-11-30', top: 10 });
        expect(answer.statuses).toEqual({ quarantined: 250, deleted: 150 });
      } finally {
        reopened.close();
      }
    });
  }
});
