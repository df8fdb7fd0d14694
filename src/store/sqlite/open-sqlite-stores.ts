import { GroupCommit } from './group-commit.js';
import { SqliteAuditStore } from './sqlite-audit-store.js';
import { SqliteInlineBlobs } from './sqlite-blob-index.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { SqliteDigestStore } from './sqlite-digest-store.js';
import { SqliteItemStore } from './sqlite-item-store.js';
import { SqliteJobStore } from './sqlite-job-store.js';
import { SqliteLearningStore } from './sqlite-learning-store.js';
import { SqliteSenderListStore } from './sqlite-sender-list-store.js';
import { SqliteStatsStore } from './sqlite-stats-store.js';
import { SqliteUserStore } from './sqlite-user-store.js';

/** Every store of the embedded database, on one connection and one group commit. */
export interface SqliteStores {
  items: SqliteItemStore;
  audit: SqliteAuditStore;
  users: SqliteUserStore;
  lists: SqliteSenderListStore;
  digests: SqliteDigestStore;
  learning: SqliteLearningStore;
  stats: SqliteStatsStore;
  jobs: SqliteJobStore;
  /** The database side of the blob store (SqliteBlobStore adds the files). */
  inlineBlobs: SqliteInlineBlobs;
}

/**
 * Opens the database file at `path` (migrating it) with every store on it, in the calling thread.
 * `keepsRawInline`: the item store writes a message's raw bytes in its commit (ItemStore.putMessage's
 * `inlineRaw`) — only where a SqliteBlobStore over `inlineBlobs` reads them back.
 */
export function openSqliteStores(
  path: string,
  { keepsRawInline }: { keepsRawInline: boolean },
): { stores: SqliteStores; close(): Promise<void> } {
  const db = openSqliteDatabase(path);
  try {
    const commits = new GroupCommit(db);
    // The items table comes first: other stores' migrations and triggers refer to it.
    const items = new SqliteItemStore({ db, commits, keepsRawInline });
    const stores: SqliteStores = {
      items,
      audit: new SqliteAuditStore(db),
      users: new SqliteUserStore(db),
      lists: new SqliteSenderListStore(db),
      digests: new SqliteDigestStore(db),
      learning: new SqliteLearningStore(db),
      stats: new SqliteStatsStore(db),
      jobs: new SqliteJobStore(db),
      inlineBlobs: new SqliteInlineBlobs(db, commits),
    };
    return {
      stores,
      close: async () => {
        await items.close();
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
