import { join } from 'node:path';
import type { Config } from '../config/load-config.js';
import type { AuditStore } from './audit-store.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs/fs-blob-store.js';
import type { ItemStore } from './item-store.js';
import { SqliteAuditStore } from './sqlite/sqlite-audit-store.js';
import { openSqliteDatabase } from './sqlite/sqlite-database.js';
import { SqliteItemStore } from './sqlite/sqlite-item-store.js';
import { SqliteStatsStore } from './sqlite/sqlite-stats-store.js';
import type { StatsStore } from './stats-store.js';

export interface Stores {
  items: ItemStore;
  audit: AuditStore;
  blobs: BlobStore;
  stats: StatsStore;
  close(): Promise<void>;
}

/** Picks and opens the configured backends; the only place that knows which exist. */
export function openStores(config: Config): Stores {
  const db = openSqliteDatabase(join(config.dataDir, 'lazaret.sqlite'));
  const items = new SqliteItemStore({ db });
  const audit = new SqliteAuditStore(db);
  const blobs = new FsBlobStore(join(config.dataDir, 'blobs'));
  const stats = new SqliteStatsStore(db);
  return {
    items,
    audit,
    blobs,
    stats,
    async close() {
      await blobs.close();
      await items.close();
      db.close();
    },
  };
}
