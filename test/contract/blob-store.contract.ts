import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import type { BlobStore, HeldBlob } from '../../src/store/blob-store.js';
import { buildItems, buildMessage } from '../support/builders.js';
import type { MakeStores, StoreFixture } from './stores.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A stream of `total` pseudo-random bytes in 64 KiB chunks, never held whole, plus its digest. */
function generatedStream(total: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(65_536, total - sent));
      hash.update(chunk);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

async function digestOf(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** The behaviour every BlobStore backend must show. */
export function blobStoreContract(backend: string, makeStores: MakeStores): void {
  describe(`BlobStore contract: ${backend}`, () => {
    let fixture: StoreFixture;
    let blobs: BlobStore;

    beforeEach(async () => {
      fixture = await makeStores();
      blobs = fixture.blobs;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('returns exactly the bytes stored, including bytes that are not valid UTF-8', async () => {
      const bytes = Buffer.concat([
        Buffer.from('Subject: caf\xe9\r\n\r\n', 'latin1'),
        Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x0d, 0x0a, 0x2e, 0x0d]),
      ]);
      const key = newId();
      const written = await blobs.put(key, bytes);
      expect(written).toEqual({ size: bytes.length, sha256: sha256(bytes) });
      expect(await blobs.exists(key)).toBe(true);
      expect(Buffer.compare(await buffer(await blobs.get(key)), bytes)).toBe(0);
      expect(Buffer.compare(await buffer(await (await fixture.reopen()).blobs.get(key)), bytes)).toBe(0);
    });

    it('streams a 25 MB blob in and out unchanged', async () => {
      const total = 25 * 1024 * 1024;
      const key = newId();
      const { stream, digest } = generatedStream(total);
      const written = await blobs.put(key, stream);
      const expected = digest();
      expect(written).toEqual({ size: total, sha256: expected });
      expect(await digestOf(await blobs.get(key))).toEqual({ size: total, sha256: expected });
    });

    it('keeps nothing when the body stream fails part way', async () => {
      const key = newId();
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(32_768, 0x61));
          this.destroy(new Error('connection dropped'));
        },
      });
      await expect(blobs.put(key, failing)).rejects.toThrow();
      expect(await blobs.exists(key)).toBe(false);
    });

    it('answers not_found for a missing blob and deletes idempotently', async () => {
      const key = newId();
      await expect(blobs.get(key)).rejects.toSatisfy((error) => isLazaretError(error, 'not_found'));
      expect(await blobs.exists(key)).toBe(false);
      await blobs.put(key, Buffer.from('x'));
      await blobs.delete(key);
      await blobs.delete(key);
      expect(await blobs.exists(key)).toBe(false);
    });

    it('deletes many blobs at once, small and large, missing ones included', async () => {
      const keys = [newId(), newId(), newId()];
      await blobs.put(keys[0]!, Buffer.from('small'));
      await blobs.put(keys[1]!, Buffer.alloc(300 * 1024, 'x'));
      await blobs.put(keys[2]!, Buffer.from('kept'));
      await blobs.deleteMany([keys[0]!, keys[1]!, newId()]);
      expect(await blobs.exists(keys[0]!)).toBe(false);
      expect(await blobs.exists(keys[1]!)).toBe(false);
      expect((await buffer(await blobs.get(keys[2]!))).toString()).toBe('kept');
      await blobs.deleteMany([]);
    });

    it('read for the commit of its message as ingest does, the bytes are stored once that commit is', async () => {
      const body = Buffer.from('Subject: held\r\n\r\nbody\r\n');
      const message = buildMessage({ size: body.length, sha256: sha256(body) });
      const held: HeldBlob = await (blobs.holdForCommit?.(message.blobKey, Readable.from([body])) ??
        blobs.put(message.blobKey, body));
      expect({ size: held.size, sha256: held.sha256 }).toEqual({ size: body.length, sha256: sha256(body) });
      await fixture.items.putMessage(message, buildItems(message), held.inline);
      expect((await buffer(await blobs.get(message.blobKey))).equals(body)).toBe(true);
      expect(await blobs.exists(message.blobKey)).toBe(true);
    });

    it('takes raw bytes into a message commit only where its blob store holds bytes for it; elsewhere refuses them and keeps nothing', async () => {
      const body = Buffer.from('Subject: inline\r\n\r\nbody\r\n');
      const message = buildMessage({ size: body.length, sha256: sha256(body) });
      const outcome = await fixture.items
        .putMessage(message, buildItems(message), body)
        .catch((e: unknown) => e);
      if (blobs.holdForCommit) {
        expect(outcome).toBeUndefined();
        expect((await buffer(await blobs.get(message.blobKey))).equals(body)).toBe(true);
      } else {
        expect(isLazaretError(outcome, 'store_error')).toBe(true);
        expect((outcome as Error).message).toMatch(/keeps no raw bytes/);
        expect(await fixture.items.getMessage(message.id)).toBeNull();
        expect(await blobs.exists(message.blobKey)).toBe(false);
      }
    });

    it('replaces a blob written twice under one key with the second body', async () => {
      const key = newId();
      await blobs.put(key, Buffer.from('first'));
      await blobs.put(key, Buffer.from('second'));
      expect((await buffer(await blobs.get(key))).toString()).toBe('second');
    });
  });
}
