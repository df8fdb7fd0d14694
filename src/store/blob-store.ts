import type { Readable } from 'node:stream';

export interface BlobWriteResult {
  size: number;
  /** Lower-case hex SHA-256 of the stored bytes. */
  sha256: string;
}

/** What `holdForCommit` read: stored already, or bytes that the message's own commit is to store. */
export interface HeldBlob extends BlobWriteResult {
  /**
   * The bytes, not stored yet: the item store keeps them with the message in the same transaction
   * (ItemStore.putMessage's `inlineRaw`). Absent: they are stored and durable, as after `put`.
   */
  inline?: Buffer;
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

  /**
   * Reads `body` for `key` like `put`, but where the blob store shares its database with the item
   * store (the embedded store) a body small enough to be kept inline is not written: it comes back
   * as `inline`, to be committed with its message, so that one commit makes both durable. Larger
   * bodies are stored as by `put`. Absent where bytes and records live apart: use `put`.
   */
  holdForCommit?(key: string, body: Readable): Promise<HeldBlob>;

  /** A stream of the exact stored bytes; rejects with `not_found` if there is no such blob. */
  get(key: string): Promise<Readable>;

  exists(key: string): Promise<boolean>;

  /** Removes the blob; removing a missing blob is not an error. */
  delete(key: string): Promise<void>;

  /** Removes many blobs (a bulk delete's clean-up) at a store's best rate; missing ones are fine. */
  deleteMany(keys: readonly string[]): Promise<void>;

  close(): Promise<void>;
}
