import type { MigrationSet } from './sqlite-database.js';

/** Retention purge and import de-duplication (issue 8): a blob marker, and indexes for both lookups. */
export const RETENTION_MIGRATIONS: MigrationSet = {
  name: 'retention',
  steps: [
    `
  ALTER TABLE messages ADD COLUMN blob_removed_at TEXT;
  CREATE INDEX messages_by_sha256 ON messages (sha256);
  -- Messages whose raw blob may still be there: the purge's sweep reads only these.
  CREATE INDEX messages_with_blob ON messages (id) WHERE blob_removed_at IS NULL;
  -- Only items that can still expire, so tombstones never slow the purge down.
  CREATE INDEX items_expiring ON items (expires_at)
    WHERE expires_at IS NOT NULL AND status IN ('quarantined', 'released');
  `,
  ],
};
