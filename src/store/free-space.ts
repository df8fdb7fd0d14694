import { statfs } from 'node:fs/promises';
import { LazaretError, storeError } from '../core/errors.js';

/**
 * The free space on the file system of the embedded store's data dir, and the reserve below which
 * new mail is refused: what is left is for releases, deletes, jobs and the database itself.
 */
export class FreeSpace {
  constructor(
    private readonly dir: string,
    /** Bytes that must stay free after a new message is written; 0 refuses only on a full disk. */
    readonly reserveBytes: number,
  ) {}

  /** Bytes available to this (unprivileged) process now. */
  async available(): Promise<number> {
    try {
      const stats = await statfs(this.dir);
      return stats.bavail * stats.bsize;
    } catch (error) {
      throw storeError('free space check', error);
    }
  }

  /**
   * Rejects with `insufficient_storage` when writing `incomingBytes` more would leave less than the
   * reserve free.
   */
  async check(incomingBytes = 0): Promise<void> {
    const available = await this.available();
    if (this.reserveBytes > 0 && available - incomingBytes < this.reserveBytes) {
      throw new LazaretError(
        'insufficient_storage',
        `Free space on the data dir is below the reserve (${available} bytes free, ${this.reserveBytes} kept for releases and jobs).`,
        { availableBytes: available, reserveBytes: this.reserveBytes },
      );
    }
  }
}
