import { encodeTime } from 'ulid';
import type { FsBlobStore } from '../fs/fs-blob-store.js';
import type { InlineBlobs } from './sqlite-blob-index.js';
import type { SqliteBlobStore } from './sqlite-blob-store.js';

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
    private readonly inline: InlineBlobs,
    private readonly blobs: SqliteBlobStore,
    private readonly files: FsBlobStore,
  ) {}

  async sweep(before: Date): Promise<OrphanSweepReport> {
    const bound = encodeTime(before.getTime(), 10);
    const candidates = await this.inline.keysBefore(bound);
    for await (const key of this.files.keys()) if (key < bound) candidates.push(key);
    const orphans: string[] = [];
    for (let start = 0; start < candidates.length; start += BATCH) {
      orphans.push(...(await this.inline.unnamed(candidates.slice(start, start + BATCH))));
    }
    await this.blobs.deleteMany(orphans);
    return { orphanBlobs: orphans.length, staleTemp: await this.files.removeStaleTemp(before) };
  }
}
