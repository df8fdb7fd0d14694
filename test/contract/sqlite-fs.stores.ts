import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../src/store/fs/fs-blob-store.js';
import { GroupCommit } from '../../src/store/sqlite/group-commit.js';
import { SqliteAuditStore } from '../../src/store/sqlite/sqlite-audit-store.js';
import { SqliteBlobStore } from '../../src/store/sqlite/sqlite-blob-store.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteDigestStore } from '../../src/store/sqlite/sqlite-digest-store.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { SqliteLearningStore } from '../../src/store/sqlite/sqlite-learning-store.js';
import { SqliteSenderListStore } from '../../src/store/sqlite/sqlite-sender-list-store.js';
import { SqliteStatsStore } from '../../src/store/sqlite/sqlite-stats-store.js';
import { SqliteUserStore } from '../../src/store/sqlite/sqlite-user-store.js';
import { type MakeStores, SimulatedCrash } from './stores.js';

/** The embedded backend as `serve` opens it; `inlineMaxBytes` splits blobs between SQLite and files. */
export const makeEmbedded =
  (inlineMaxBytes: number | 'files only'): MakeStores =>
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lazaret-contract-'));
    const dbPath = join(dir, 'lazaret.sqlite');
    const blobRoot = join(dir, 'blobs');
    const opened: { close(): unknown }[] = [];
    const open = () => {
      const db = openSqliteDatabase(dbPath);
      const commits = new GroupCommit(db);
      const files = new FsBlobStore(blobRoot);
      const blobs =
        inlineMaxBytes === 'files only' ? files : new SqliteBlobStore(db, commits, files, inlineMaxBytes);
      const pair = {
        items: new SqliteItemStore({ db, commits }),
        audit: new SqliteAuditStore(db),
        users: new SqliteUserStore(db),
        lists: new SqliteSenderListStore(db),
        digests: new SqliteDigestStore(db),
        learning: new SqliteLearningStore(db),
        jobs: new SqliteJobStore(db),
        stats: new SqliteStatsStore(db),
        blobs,
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

/** SQLite (small blobs inline) + files: the embedded backend pair as `serve` opens it. */
export const makeSqliteFs = makeEmbedded(64 * 1024);
