import { join } from 'node:path';
import type { Config } from '../config/load-config.js';
import type { AuditStore } from './audit-store.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs/fs-blob-store.js';
import type { ItemStore } from './item-store.js';
import { GroupCommit } from './sqlite/group-commit.js';
import { SqliteAuditStore } from './sqlite/sqlite-audit-store.js';
import { SqliteBlobStore } from './sqlite/sqlite-blob-store.js';
import { openSqliteDatabase } from './sqlite/sqlite-database.js';
import { SqliteItemStore } from './sqlite/sqlite-item-store.js';
import { SqliteStatsStore } from './sqlite/sqlite-stats-store.js';
import { SqliteUserStore } from './sqlite/sqlite-user-store.js';
import type { StatsStore } from './stats-store.js';
import type { UserStore } from './user-store.js';

export interface Stores {
  items: ItemStore;
  audit: AuditStore;
  users: UserStore;
  blobs: BlobStore;
  stats: StatsStore;
  close(): Promise<void>;
}

/** Picks and opens the configured backends; the only place that knows which exist. */
export function openStores(config: Config): Stores {
  const db = openSqliteDatabase(join(config.dataDir, 'lazaret.sqlite'));
  const commits = new GroupCommit(db);
  const items = new SqliteItemStore({ db, commits });
  const audit = new SqliteAuditStore(db);
  const users = new SqliteUserStore(db);
  const blobs = new SqliteBlobStore(
    db,
    commits,
    new FsBlobStore(join(config.dataDir, 'blobs')),
    config.blobs.inlineMaxBytes,
  );
  const stats = new SqliteStatsStore(db);
  return {
    items,
    audit,
    users,
    blobs,
    stats,
    async close() {
      await blobs.close();
      await items.close();
      db.close();
    },
  };
}
