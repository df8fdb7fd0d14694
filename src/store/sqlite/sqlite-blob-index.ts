import type { Database, Statement } from 'better-sqlite3';
import { storeError } from '../../core/errors.js';
import type { GroupCommit } from './group-commit.js';
import { migrate } from './sqlite-database.js';
import { StatementCache } from './sqlite-statements.js';

const BLOB_MIGRATIONS = {
  name: 'blobs',
  steps: ['CREATE TABLE blobs (key TEXT PRIMARY KEY, bytes BLOB NOT NULL) STRICT;'],
};
const SWEEP_MIGRATIONS = {
  name: 'blob-sweep',
  steps: ['CREATE INDEX messages_by_blob_key ON messages (blob_key);'],
};

/**
 * The database side of the embedded blob store: raw messages kept inside SQLite, and the queries the
 * orphan sweep needs. Async like every store so that it can live on the store thread; bytes come back
 * as Uint8Array, as they cross threads.
 */
export interface InlineBlobs {
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Removes an inline copy (a key whose bytes went to a file). */
  remove(key: string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  has(key: string): Promise<boolean>;
  /** Removes those of `keys` kept inline, in one statement; answers the keys it did not find. */
  removeMany(keys: readonly string[]): Promise<string[]>;
  /** Keys of inline blobs that sort before `bound` (ULIDs: made before that time). */
  keysBefore(bound: string): Promise<string[]>;
  /** Those of `keys` that no message record names. */
  unnamed(keys: readonly string[]): Promise<string[]>;
}

/** The bytes as a Buffer without copying them (what crosses threads arrives as a plain Uint8Array). */
export const asBuffer = (bytes: Uint8Array) =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Writes raw bytes inline in the transaction open on the connection: a put's own, or the commit of
 * the message they belong to (SqliteItemStore.putMessage with `inlineRaw`).
 */
export function writeInlineBlob(statements: StatementCache, key: string, bytes: Uint8Array): void {
  statements
    .get(
      'INSERT INTO blobs (key, bytes) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes',
    )
    .run(key, asBuffer(bytes));
}

/** InlineBlobs on the embedded database; writes go through group commit, so they share its fsync. */
export class SqliteInlineBlobs implements InlineBlobs {
  private readonly statements: StatementCache;

  constructor(
    db: Database,
    private readonly commits: GroupCommit,
  ) {
    this.statements = new StatementCache(db);
    migrate(db, BLOB_MIGRATIONS);
    migrate(db, SWEEP_MIGRATIONS);
  }

  private statement(sql: string): Statement {
    return this.statements.get(sql);
  }

  private async read<T>(operation: string, work: () => T): Promise<T> {
    try {
      return work();
    } catch (error) {
      throw storeError(operation, error);
    }
  }

  private async write<T>(operation: string, work: () => T): Promise<T> {
    try {
      return await this.commits.run(work);
    } catch (error) {
      throw storeError(operation, error);
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.write('blob put', () => writeInlineBlob(this.statements, key, bytes));
  }

  async remove(key: string): Promise<void> {
    await this.write('blob put', () => this.statement('DELETE FROM blobs WHERE key = ?').run(key));
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.read('blob get', () => {
      const row = this.statement('SELECT bytes FROM blobs WHERE key = ?').get(key) as
        | { bytes: Buffer }
        | undefined;
      return row?.bytes;
    });
  }

  has(key: string): Promise<boolean> {
    return this.read(
      'blob exists',
      () => this.statement('SELECT 1 FROM blobs WHERE key = ?').get(key) !== undefined,
    );
  }

  removeMany(keys: readonly string[]): Promise<string[]> {
    return this.write('blob delete', () => {
      const removed = this.statement(
        'DELETE FROM blobs WHERE key IN (SELECT value FROM json_each(?)) RETURNING key',
      ).all(JSON.stringify(keys)) as { key: string }[];
      const inline = new Set(removed.map((row) => row.key));
      return keys.filter((key) => !inline.has(key));
    });
  }

  keysBefore(bound: string): Promise<string[]> {
    return this.read('blob sweep', () =>
      (this.statement('SELECT key FROM blobs WHERE key < ?').all(bound) as { key: string }[]).map(
        (row) => row.key,
      ),
    );
  }

  unnamed(keys: readonly string[]): Promise<string[]> {
    return this.read('blob sweep', () => {
      const named = new Set(
        (
          this.statement(
            'SELECT blob_key FROM messages WHERE blob_key IN (SELECT value FROM json_each(?))',
          ).all(JSON.stringify(keys)) as { blob_key: string }[]
        ).map((row) => row.blob_key),
      );
      return keys.filter((key) => !named.has(key));
    });
  }
}
