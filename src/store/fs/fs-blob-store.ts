import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { eachLimited } from '../../core/each-limited.js';
import { LazaretError, storeError } from '../../core/errors.js';
import { bodyStream, measuringStream } from '../blob-measure.js';
import type { BlobStore, BlobWriteResult } from '../blob-store.js';

const SAFE_KEY = /^[A-Za-z0-9_-]{4,200}$/;
/** Blobs removed at once by deleteMany. */
const BLOB_DELETE_CONCURRENCY = 16;

/** fsyncs a file or a folder (for a rename into it to be durable). */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Where FsBlobStore keeps the blob `key` under `root` (the backup copies the same layout). */
export function blobFilePath(root: string, key: string): { dir: string; file: string } {
  if (!SAFE_KEY.test(key)) throw new LazaretError('validation_error', `Invalid blob key: ${key}`);
  const dir = join(root, key.slice(-2), key.slice(-4, -2));
  return { dir, file: join(dir, `${key}.eml`) };
}

/**
 * Raw messages as files under `<root>/<last 2 chars>/<2 before>/<key>.eml`. A put writes a temporary
 * file in `<root>/tmp`, fsyncs it, renames it into place and fsyncs the folder, so a blob is either
 * absent or complete, also after a crash.
 */
export class FsBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = join(root, 'tmp');
  }

  private pathOf(key: string): { dir: string; file: string } {
    return blobFilePath(this.root, key);
  }

  async put(key: string, body: Readable | Buffer): Promise<BlobWriteResult> {
    const { dir, file } = this.pathOf(key);
    const temp = join(this.tmpDir, `${key}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(this.tmpDir, { recursive: true });
      await mkdir(dir, { recursive: true });
      const measure = measuringStream();
      await pipeline(bodyStream(body), measure.stream, createWriteStream(temp, { flags: 'wx' }));
      // fsync flushes the file whichever descriptor asks, so a fresh one after the stream closed will do.
      await fsyncPath(temp);
      await rename(temp, file);
      await fsyncPath(dir);
      return measure.result();
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw storeError('blob put', error);
    }
  }

  async get(key: string): Promise<Readable> {
    const { file } = this.pathOf(key);
    if (!(await this.exists(key))) throw new LazaretError('not_found', 'The raw message is gone.', { key });
    return createReadStream(file);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.pathOf(key).file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw storeError('blob stat', error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      // unlink alone: rm() would lstat first, and most keys asked for here were never a file (inline).
      await unlink(this.pathOf(key).file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw storeError('blob delete', error);
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    await eachLimited(keys, BLOB_DELETE_CONCURRENCY, (key) => this.delete(key));
  }

  /** Every stored key, shard by shard (not the temporary files of puts in progress). */
  async *keys(): AsyncGenerator<string> {
    for (const outer of await this.folders(this.root)) {
      if (outer === 'tmp') continue;
      for (const inner of await this.folders(join(this.root, outer))) {
        for (const name of await readdir(join(this.root, outer, inner)).catch(() => [])) {
          if (name.endsWith('.eml')) yield name.slice(0, -'.eml'.length);
        }
      }
    }
  }

  private async folders(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir, { withFileTypes: true }))
        .filter((each) => each.isDirectory())
        .map((each) => each.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeError('blob list', error);
    }
  }

  /** Removes temporary files of puts that a crash cut off: those last changed before `before`. */
  async removeStaleTemp(before: Date): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmpDir).catch(() => [])) {
      const path = join(this.tmpDir, name);
      const changed = await stat(path).then(
        (stats) => stats.mtimeMs,
        () => Number.POSITIVE_INFINITY,
      );
      if (changed < before.getTime()) {
        await rm(path, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  async close(): Promise<void> {}
}
