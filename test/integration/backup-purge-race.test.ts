import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blobFilePath } from '../../src/store/fs/fs-blob-store.js';
import { openStores, type Stores } from '../../src/store/open-stores.js';
import { backupEmbeddedStore, restoreEmbeddedStore } from '../../src/store/sqlite/sqlite-backup.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { tempDir, testConfig } from '../support/env.js';

describe('lazaret backup when the purge removes a raw message between snapshot and copy', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let stores: Stores;

  afterEach(async () => {
    await stores?.close();
    await work?.cleanup();
  });

  it('takes a new snapshot that no longer needs it, so every item in the backup has its bytes', async () => {
    work = await tempDir('lazaret-backup-race-');
    const dataDir = join(work.path, 'data');
    // Every raw message is a file (nothing inline), as large mail is.
    stores = await openStores(testConfig({ LAZARET_DATA_DIR: dataDir, LAZARET_BLOBS_INLINE_MAX_BYTES: 0 }));
    const bodies = ['expired one', 'kept one', 'kept two'].map((text) =>
      Buffer.from(`Subject: ${text}\r\n\r\n${text}\r\n`),
    );
    const messages = bodies.map((body) =>
      buildMessage({ size: body.length, sha256: createHash('sha256').update(body).digest('hex') }),
    );
    for (const [index, message] of messages.entries()) {
      await stores.blobs.put(message.blobKey, bodies[index]!);
      // The first message's only item is deleted: the purge may remove its raw message at any time.
      await stores.items.putMessage(
        message,
        buildItems(message, undefined, index === 0 ? { status: 'deleted' } : {}),
      );
    }
    const expired = messages[0]!;
    const rounds: number[] = [];
    const backupDir = join(work.path, 'backup');
    const manifest = await backupEmbeddedStore(dataDir, backupDir, {
      async afterSnapshot(round) {
        rounds.push(round);
        if (round !== 1) return;
        // What the purge does: the raw message goes, then the message is marked as without one.
        expect(await stores.items.findUnreferencedMessages([expired.id])).toHaveLength(1);
        await stores.blobs.delete(expired.blobKey);
        await stores.items.markBlobsRemoved([expired.id], new Date().toISOString());
      },
    });
    expect(rounds).toEqual([1, 2]);
    expect(manifest).toMatchObject({ messages: 3, items: 3, blobFiles: 2 });
    await expect(stat(blobFilePath(join(backupDir, 'blobs'), expired.blobKey).file)).rejects.toThrow(
      /ENOENT/,
    );

    const restored = join(work.path, 'restored');
    expect(await restoreEmbeddedStore(backupDir, restored)).toEqual({ messages: 3, items: 3, verified: 2 });
    await stores.close();
    stores = await openStores(testConfig({ LAZARET_DATA_DIR: restored, LAZARET_BLOBS_INLINE_MAX_BYTES: 0 }));
    for (const [index, message] of messages.entries()) {
      if (index === 0) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await stores.blobs.get(message.blobKey)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(bodies[index]!)).toBe(true);
    }
  });
});
