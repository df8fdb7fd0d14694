import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { LazaretError, storeError } from '../../core/errors.js';
import type { BlobStore, BlobWriteResult, HeldBlob } from '../blob-store.js';
import type { FsBlobStore } from '../fs/fs-blob-store.js';
import { asBuffer, type InlineBlobs } from './sqlite-blob-index.js';

/**
 * The embedded BlobStore. Messages up to `inlineMaxBytes` are kept inside the SQLite database and
 * written by group commit, so concurrent deliveries share one fsync — or, held for the commit of
 * their message, in its own transaction; larger ones stream to files (FsBlobStore) and are never
 * held whole in memory. Reads look in both places.
 */
export class SqliteBlobStore implements BlobStore {
  constructor(
    private readonly inline: InlineBlobs,
    private readonly files: FsBlobStore,
    private readonly inlineMaxBytes: number,
  ) {}

  async put(key: string, body: Readable | Buffer): Promise<BlobWriteResult> {
    const { inline, ...written } = await this.holdForCommit(
      key,
      Buffer.isBuffer(body) ? Readable.from([body]) : body,
    );
    if (inline) await this.inline.put(key, inline);
    return written;
  }

  async holdForCommit(key: string, body: Readable): Promise<HeldBlob> {
    const head: Buffer[] = [];
    let headBytes = 0;
    const iterator = body[Symbol.asyncIterator]();
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
          await this.inline.remove(key);
          return written;
        }
      }
    } catch (error) {
      await iterator.return?.();
      throw storeError('blob put', error);
    }
    const bytes = Buffer.concat(head, headBytes);
    return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), inline: bytes };
  }

  async get(key: string): Promise<Readable> {
    const bytes = await this.inline.get(key);
    if (bytes) return Readable.from([asBuffer(bytes)]);
    if (await this.files.exists(key)) return this.files.get(key);
    throw new LazaretError('not_found', 'The raw message is gone.', { key });
  }

  async exists(key: string): Promise<boolean> {
    return (await this.inline.has(key)) || (await this.files.exists(key));
  }

  delete(key: string): Promise<void> {
    return this.deleteMany([key]);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    // A key is written once (a fresh message id), so a blob kept inline never had a file as well.
    await this.files.deleteMany(await this.inline.removeMany(keys));
  }

  async close(): Promise<void> {
    await this.files.close();
  }
}
