import type { Readable } from 'node:stream';

export interface BlobWriteResult {
  size: number;
  /** Lower-case hex SHA-256 of the stored bytes. */
  sha256: string;
}

/**
 * Raw messages, stored byte for byte. Every backend passes test/contract/blob-store.contract.ts.
 * Bodies move as streams so that large mail is never held whole in memory.
 */
export interface BlobStore {
  /**
   * Stores `body` under `key`. Resolves only once the bytes are durable (fsync or the service's
   * acknowledgement); if the body stream errors, nothing is left under `key`.
   */
  put(key: string, body: Readable | Buffer): Promise<BlobWriteResult>;

  /** A stream of the exact stored bytes; rejects with `not_found` if there is no such blob. */
  get(key: string): Promise<Readable>;

  exists(key: string): Promise<boolean>;

  /** Removes the blob; removing a missing blob is not an error. */
  delete(key: string): Promise<void>;

  /** Removes many blobs (a bulk delete's clean-up) at a store's best rate; missing ones are fine. */
  deleteMany(keys: readonly string[]): Promise<void>;

  close(): Promise<void>;
}
