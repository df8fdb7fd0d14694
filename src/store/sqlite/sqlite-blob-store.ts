import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Database, Statement } from 'better-sqlite3';
import { LazaretError, storeError } from '../../core/errors.js';
import type { BlobStore, BlobWriteResult } from '../blob-store.js';
import type { FsBlobStore } from '../fs/fs-blob-store.js';
import type { GroupCommit } from './group-commit.js';
import { migrate } from './sqlite-database.js';
import { StatementCache } from './sqlite-statements.js';

const BLOB_MIGRATIONS = {
  name: 'blobs',
  steps: ['CREATE TABLE blobs (key TEXT PRIMARY KEY, bytes BLOB NOT NULL) STRICT;'],
};

/**
 * The embedded BlobStore. Messages up to `inlineMaxBytes` are kept inside the SQLite database and
 * written by group commit, so concurrent deliveries share one fsync; larger ones stream to files
 * (FsBlobStore) and are never held whole in memory. Reads look in both places.
 */
export class SqliteBlobStore implements BlobStore {
  private readonly statements: StatementCache;

  constructor(
    db: Database,
    private readonly commits: GroupCommit,
    private readonly files: FsBlobStore,
    private readonly inlineMaxBytes: number,
  ) {
    this.statements = new StatementCache(db);
    migrate(db, BLOB_MIGRATIONS);
  }

  private statement(sql: string): Statement {
    return this.statements.get(sql);
  }

  async put(key: string, body: Readable | Buffer): Promise<BlobWriteResult> {
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    const head: Buffer[] = [];
    let headBytes = 0;
    const iterator = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        const chunk = next.value as Buffer;
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes > this.inlineMaxBytes) {
          // Too big to keep inline: hand what was read, and the rest of the stream, to the file store.
          const rest = Readable.from(
            (async function* () {
              yield* head;
              for (;;) {
                const more = await iterator.next();
                if (more.done) return;
                yield more.value as Buffer;
              }
            })(),
          );
          const written = await this.files.put(key, rest);
          await this.commits.run(() => this.statement('DELETE FROM blobs WHERE key = ?').run(key));
          return written;
        }
      }
    } catch (error) {
      await iterator.return?.();
      throw storeError('blob put', error);
    }
    const bytes = Buffer.concat(head, headBytes);
    try {
      await this.commits.run(() =>
        this.statement(
          'INSERT INTO blobs (key, bytes) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes',
        ).run(key, bytes),
      );
    } catch (error) {
      throw storeError('blob put', error);
    }
    return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  private inline(key: string): Buffer | undefined {
    try {
      const row = this.statement('SELECT bytes FROM blobs WHERE key = ?').get(key) as
        | { bytes: Buffer }
        | undefined;
      return row?.bytes;
    } catch (error) {
      throw storeError('blob get', error);
    }
  }

  async get(key: string): Promise<Readable> {
    const bytes = this.inline(key);
    if (bytes) return Readable.from([bytes]);
    if (await this.files.exists(key)) return this.files.get(key);
    throw new LazaretError('not_found', 'The raw message is gone.', { key });
  }

  async exists(key: string): Promise<boolean> {
    let inline: unknown;
    try {
      inline = this.statement('SELECT 1 FROM blobs WHERE key = ?').get(key);
    } catch (error) {
      throw storeError('blob exists', error);
    }
    return inline !== undefined || (await this.files.exists(key));
  }

  delete(key: string): Promise<void> {
    return this.deleteMany([key]);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    let onDisk: string[];
    try {
      onDisk = await this.commits.run(() => {
        // One statement for the batch; the keys it did not find inline are files.
        const removed = this.statement(
          'DELETE FROM blobs WHERE key IN (SELECT value FROM json_each(?)) RETURNING key',
        ).all(JSON.stringify(keys)) as { key: string }[];
        const inline = new Set(removed.map((row) => row.key));
        return keys.filter((key) => !inline.has(key));
      });
    } catch (error) {
      throw storeError('blob delete', error);
    }
    // A key is written once (a fresh message id), so a blob kept inline never had a file as well.
    await this.files.deleteMany(onDisk);
  }

  async close(): Promise<void> {
    await this.files.close();
  }
}
