import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { BlobWriteResult } from './blob-store.js';

/** A blob body as a stream, whichever form the caller gave it in. */
export function bodyStream(body: Readable | Buffer): Readable {
  return Buffer.isBuffer(body) ? Readable.from([body]) : body;
}

/**
 * A pass-through that every blob store writes through: it counts the bytes and hashes them, so what
 * `put` answers is measured on the bytes stored, not on what the caller claims. Read `result` once
 * the body has passed.
 */
export function measuringStream(): { stream: Transform; result(): BlobWriteResult } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, result: () => ({ size, sha256: hash.digest('hex') }) };
}
