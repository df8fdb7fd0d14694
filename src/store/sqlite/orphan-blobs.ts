import type { Database } from 'better-sqlite3';
import { encodeTime } from 'ulid';
import { storeError } from '../../core/errors.js';
import type { FsBlobStore } from '../fs/fs-blob-store.js';
import type { SqliteBlobStore } from './sqlite-blob-store.js';
import { migrate } from './sqlite-database.js';

const SWEEP_MIGRATIONS = {
  name: 'blob-sweep',
  steps: ['CREATE INDEX messages_by_blob_key ON messages (blob_key);'],
};
/** Keys looked up in one query. */
const BATCH = 500;

export interface OrphanSweepReport {
  /** Raw messages (inline or files) that no message record names. */
  orphanBlobs: number;
  /** Temporary files of puts that never finished. */
  staleTemp: number;
}

/**
 * The embedded store's blob sweep. Ingest stores the raw message before it commits the message and
 * its items, so a process that dies in between leaves a blob that nothing names (and a put cut off
 * leaves its temporary file). Such blobs are found by key, a ULID that says when it was made: only
 * those older than `before` are candidates, so a message still being received is never touched.
 */
export class OrphanBlobSweeper {
  constructor(
    private readonly db: Database,
    private readonly blobs: SqliteBlobStore,
    private readonly files: FsBlobStore,
  ) {
    migrate(db, SWEEP_MIGRATIONS);
  }

  async sweep(before: Date): Promise<OrphanSweepReport> {
    const bound = encodeTime(before.getTime(), 10);
    const candidates = (this.query('SELECT key FROM blobs WHERE key < ?', [bound]) as { key: string }[]).map(
      (row) => row.key,
    );
    for await (const key of this.files.keys()) if (key < bound) candidates.push(key);
    const orphans: string[] = [];
    for (let start = 0; start < candidates.length; start += BATCH) {
      const batch = candidates.slice(start, start + BATCH);
      const named = new Set(
        (
          this.query(
            `SELECT blob_key FROM messages WHERE blob_key IN (${batch.map(() => '?').join(',')})`,
            batch,
          ) as { blob_key: string }[]
        ).map((row) => row.blob_key),
      );
      orphans.push(...batch.filter((key) => !named.has(key)));
    }
    await this.blobs.deleteMany(orphans);
    return { orphanBlobs: orphans.length, staleTemp: await this.files.removeStaleTemp(before) };
  }

  private query(sql: string, params: unknown[]): unknown[] {
    try {
      return this.db.prepare(sql).all(...params);
    } catch (error) {
      throw storeError('blob sweep', error);
    }
  }
}
