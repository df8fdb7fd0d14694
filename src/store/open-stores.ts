import { join } from 'node:path';
import type { Config } from '../config/load-config.js';
import type { AuditStore } from './audit-store.js';
import type { BlobStore } from './blob-store.js';
import type { DigestStore } from './digest-store.js';
import { FsBlobStore } from './fs/fs-blob-store.js';
import type { ItemStore } from './item-store.js';
import type { LearningStore } from './learning-store.js';
import type { SenderListStore } from './sender-list-store.js';
import { GroupCommit } from './sqlite/group-commit.js';
import { SqliteAuditStore } from './sqlite/sqlite-audit-store.js';
import { SqliteBlobStore } from './sqlite/sqlite-blob-store.js';
import { openSqliteDatabase } from './sqlite/sqlite-database.js';
import { SqliteDigestStore } from './sqlite/sqlite-digest-store.js';
import { SqliteItemStore } from './sqlite/sqlite-item-store.js';
import { SqliteLearningStore } from './sqlite/sqlite-learning-store.js';
import { SqliteSenderListStore } from './sqlite/sqlite-sender-list-store.js';
import { SqliteUserStore } from './sqlite/sqlite-user-store.js';
import type { UserStore } from './user-store.js';

export interface Stores {
  items: ItemStore;
  audit: AuditStore;
  users: UserStore;
  lists: SenderListStore;
  digests: DigestStore;
  learning: LearningStore;
  blobs: BlobStore;
  close(): Promise<void>;
}

/** Picks and opens the configured backends; the only place that knows which exist. */
export function openStores(config: Config): Stores {
  const db = openSqliteDatabase(join(config.dataDir, 'lazaret.sqlite'));
  const commits = new GroupCommit(db);
  const items = new SqliteItemStore({ db, commits });
  const audit = new SqliteAuditStore(db);
  const users = new SqliteUserStore(db);
  const lists = new SqliteSenderListStore(db);
  const digests = new SqliteDigestStore(db);
  const learning = new SqliteLearningStore(db);
  const blobs = new SqliteBlobStore(
    db,
    commits,
    new FsBlobStore(join(config.dataDir, 'blobs')),
    config.blobs.inlineMaxBytes,
  );
  return {
    items,
    audit,
    users,
    lists,
    digests,
    learning,
    blobs,
    async close() {
      await blobs.close();
      await items.close();
      db.close();
    },
  };
}
