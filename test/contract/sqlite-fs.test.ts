import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../src/store/fs/fs-blob-store.js';
import { SqliteAuditStore } from '../../src/store/sqlite/sqlite-audit-store.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { SqliteStatsStore } from '../../src/store/sqlite/sqlite-stats-store.js';
import { auditStoreContract } from './audit-store.contract.js';
import { blobStoreContract } from './blob-store.contract.js';
import { deleteItemContract } from './delete-item.contract.js';
import { itemStoreContract } from './item-store.contract.js';
import { statsStoreContract } from './stats-store.contract.js';
import { type MakeStores, SimulatedCrash } from './stores.js';

const makeSqliteFs: MakeStores = async () => {
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
      stats: new SqliteStatsStore(db),
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

itemStoreContract('SQLite', makeSqliteFs);
blobStoreContract('filesystem', makeSqliteFs);
deleteItemContract('SQLite + filesystem', makeSqliteFs);
auditStoreContract('SQLite', makeSqliteFs);
statsStoreContract('SQLite', makeSqliteFs);
