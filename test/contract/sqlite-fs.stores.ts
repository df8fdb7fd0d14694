import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../src/store/fs/fs-blob-store.js';
import { SqliteAuditStore } from '../../src/store/sqlite/sqlite-audit-store.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { type MakeStores, SimulatedCrash } from './stores.js';

/** SQLite + filesystem over a fresh temporary folder: the embedded backend pair. */
export const makeSqliteFs: MakeStores = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lazaret-contract-'));
  const dbPath = join(dir, 'lazaret.sqlite');
  const blobRoot = join(dir, 'blobs');
  const opened: { close(): unknown }[] = [];
  const open = () => {
    const db = openSqliteDatabase(dbPath);
    const pair = {
      items: new SqliteItemStore({ db }),
      audit: new SqliteAuditStore(db),
      blobs: new FsBlobStore(blobRoot),
      jobs: new SqliteJobStore(db),
    };
    opened.push(pair.items, pair.blobs, db);
    return pair;
  };
  return {
    ...open(),
    reopen: async () => open(),
    crashingItemStore: async (writes) =>
      new SqliteItemStore({
        path: dbPath,
        afterItemWrite: (index) => {
          if (index + 1 >= writes) throw new SimulatedCrash();
        },
      }),
    cleanup: async () => {
      for (const store of opened) await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};
