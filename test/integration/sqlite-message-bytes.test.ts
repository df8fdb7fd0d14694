import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { isLazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { ingestMessage } from '../../src/ingest/ingest-message.js';
import { VerdictPipeline } from '../../src/ingest/verdict-pipeline.js';
import { createLogger } from '../../src/log.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import { FsBlobStore } from '../../src/store/fs/fs-blob-store.js';
import { openStores, type Stores } from '../../src/store/open-stores.js';
import { SqliteBlobStore } from '../../src/store/sqlite/sqlite-blob-store.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { openSqliteThread, type SqliteThread } from '../../src/store/sqlite/sqlite-thread-client.js';
import { type Emulators, startEmulators } from '../support/aws-emulators.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { tempDir } from '../support/env.js';

const INLINE_MAX = 64 * 1024;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const raw = (subject: string, bodyBytes = 20) =>
  Buffer.from(`From: a@sender.test\r\nSubject: ${subject}\r\n\r\n${'x'.repeat(bodyBytes)}\r\n`);

/** The blob store's calls by method name, passed through to it. */
function counted(blobs: BlobStore): { blobs: BlobStore; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(blobs, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return value.apply(target, args);
      };
    },
  });
  return { blobs: proxy, calls };
}

describe('the embedded store commits a small message’s bytes with the message', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let thread: SqliteThread;
  let blobs: SqliteBlobStore;

  beforeEach(async () => {
    dir = await tempDir('lazaret-message-bytes-');
    thread = await openSqliteThread(join(dir.path, 'lazaret.sqlite'), { keepsRawInline: true });
    blobs = new SqliteBlobStore(
      thread.stores.inlineBlobs,
      new FsBlobStore(join(dir.path, 'blobs')),
      INLINE_MAX,
    );
  });
  afterEach(async () => {
    await blobs.close();
    await thread.close();
    await dir.cleanup();
  });

  it('holds the bytes until the commit: nothing stored before it, none after a commit that fails, all after one that works', async () => {
    const body = raw('held');
    const earlier = buildMessage();
    const earlierItems = buildItems(earlier);
    await thread.stores.items.putMessage(earlier, earlierItems);

    const message = buildMessage({ size: body.length, sha256: sha256(body) });
    const held = await blobs.holdForCommit(message.blobKey, Readable.from([body]));
    expect(held.inline?.equals(body)).toBe(true);
    expect({ size: held.size, sha256: held.sha256 }).toEqual({ size: body.length, sha256: sha256(body) });
    expect(await blobs.exists(message.blobKey)).toBe(false);

    // An item id that is taken makes the commit fail: the bytes go with it.
    const clashing = buildItems(message).map((item) => ({ ...item, id: earlierItems[0]!.id }));
    const failed = await thread.stores.items.putMessage(message, clashing, held.inline).catch((e) => e);
    expect(isLazaretError(failed, 'store_error')).toBe(true);
    expect(await blobs.exists(message.blobKey)).toBe(false);
    expect(await thread.stores.items.getMessage(message.id)).toBeNull();

    await thread.stores.items.putMessage(message, buildItems(message), held.inline);
    expect((await buffer(await blobs.get(message.blobKey))).equals(body)).toBe(true);
    expect(await thread.stores.items.getMessage(message.id)).toEqual(message);
  });

  it('stores a body larger than the inline limit as a file at once, holding nothing', async () => {
    const body = raw('large', INLINE_MAX + 1);
    const key = newId();
    const held = await blobs.holdForCommit(key, Readable.from([body]));
    expect(held.inline).toBeUndefined();
    expect(held.size).toBe(body.length);
    expect((await buffer(await blobs.get(key))).equals(body)).toBe(true);
  });

  it('an item store not opened beside the inline blobs refuses raw bytes and stores nothing', async () => {
    const alone = new SqliteItemStore({ path: join(dir.path, 'other.sqlite') });
    try {
      const message = buildMessage();
      const refused = await alone.putMessage(message, buildItems(message), raw('refused')).catch((e) => e);
      expect(isLazaretError(refused, 'store_error')).toBe(true);
      expect((refused as Error).message).toMatch(/keeps no raw bytes/);
      expect(await alone.getMessage(message.id)).toBeNull();
    } finally {
      await alone.close();
    }
  });

  it('ingest stores a small message with one write: no separate blob put, and the bytes readable after', async () => {
    const { blobs: watched, calls } = counted(blobs);
    const body = raw('one commit');
    const result = await ingestMessage(
      { items: thread.stores.items, blobs: watched, logger: createLogger('silent'), now: () => new Date() },
      { body: Readable.from([body]), envelope: { mailFrom: 'a@sender.test', rcptTo: ['x@rcpt.test'] } },
    );
    expect(calls).toEqual(['holdForCommit']);
    expect(result.items.map((item) => item.recipient)).toEqual(['x@rcpt.test']);
    expect((await buffer(await blobs.get(result.message.blobKey))).equals(body)).toBe(true);
    expect(await thread.stores.items.getItem(result.items[0]!.id)).toEqual(result.items[0]);
  });

  it('ingest that stores no recipient writes nothing at all, not even to remove the bytes again', async () => {
    const { blobs: watched, calls } = counted(blobs);
    const result = await ingestMessage(
      {
        items: thread.stores.items,
        blobs: watched,
        logger: createLogger('silent'),
        now: () => new Date(),
        // No scanner: every recipient passes.
        pipeline: new VerdictPipeline([], { onError: 'tempfail', logger: createLogger('silent') }),
      },
      {
        body: Readable.from([raw('passes')]),
        envelope: { mailFrom: 'a@sender.test', rcptTo: ['x@rcpt.test'] },
      },
    );
    expect(result.passed).toEqual(['x@rcpt.test']);
    expect(calls).toEqual(['holdForCommit']);
    expect(await blobs.exists(result.message.blobKey)).toBe(false);
  });
});

describe('the embedded item store beside S3 blobs (openStores)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let emulators: Emulators;
  let stores: Stores;

  beforeEach(async () => {
    dir = await tempDir('lazaret-message-bytes-s3-');
    emulators = await startEmulators();
    const bucket = `bytes-${newId().toLowerCase()}`;
    await emulators.createBucket(bucket);
    const env: Record<string, string> = {
      ...emulators.env('unused', bucket),
      LAZARET_STORE: 'sqlite',
      LAZARET_DATA_DIR: dir.path,
    };
    // The S3 client takes the emulator credentials from the environment, as `serve` does.
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) vi.stubEnv(name, env[name]!);
    stores = await openStores(loadConfig({ env }));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await stores.close();
    await emulators.stop();
    await dir.cleanup();
  });

  it('refuses raw bytes in a message commit, which S3 could never read back, and ingest puts them in S3', async () => {
    const message = buildMessage();
    const refused = await stores.items
      .putMessage(message, buildItems(message), raw('refused'))
      .catch((e) => e);
    expect(isLazaretError(refused, 'store_error')).toBe(true);
    expect((refused as Error).message).toMatch(/keeps no raw bytes/);
    expect(await stores.items.getMessage(message.id)).toBeNull();

    const body = raw('to s3');
    const result = await ingestMessage(
      { items: stores.items, blobs: stores.blobs, logger: createLogger('silent'), now: () => new Date() },
      { body: Readable.from([body]), envelope: { mailFrom: 'a@sender.test', rcptTo: ['x@rcpt.test'] } },
    );
    expect((await buffer(await stores.blobs.get(result.message.blobKey))).equals(body)).toBe(true);
    expect(await stores.items.getItem(result.items[0]!.id)).toEqual(result.items[0]);
  });
});
