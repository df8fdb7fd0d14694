import type { Logger } from 'pino';
import type { BlobStore } from '../../store/blob-store.js';
import type { ItemStore } from '../../store/item-store.js';
import type { StoreBatcher } from './store-batcher.js';

const BATCH = 500;
const LINGER_MS = 20;

/**
 * Removes the raw messages that a bulk delete left without live items, a batch of messages at a
 * time: one store lookup (findUnreferencedMessages) for up to 500 messages, the blob deletes, then one
 * markBlobsRemoved. Batches run side by side, bounded by the batcher's store concurrency, so the
 * clean-up keeps pace with the deletes instead of trailing them. A failure is logged and left to the
 * retention purge, which finds unreferenced messages by itself; it never changes an item's outcome.
 */
export class BlobCleanup {
  private pending = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: { items: ItemStore; blobs: BlobStore; logger: Logger; now: () => Date },
    private readonly batcher: StoreBatcher,
  ) {}

  /** A message one of whose items was just deleted. */
  add(messageId: string): void {
    this.pending.add(messageId);
    if (this.pending.size >= BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), LINGER_MS);
  }

  /** Resolves once every message added so far has been looked at. */
  async drain(): Promise<void> {
    this.flush();
    while (this.running.size > 0) await Promise.all(this.running);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const ids = [...this.pending];
    this.pending = new Set();
    const cleaning = this.clean(ids).finally(() => this.running.delete(cleaning));
    this.running.add(cleaning);
  }

  private async clean(ids: string[]): Promise<void> {
    try {
      const unreferenced = await this.batcher.call(() => this.deps.items.findUnreferencedMessages(ids));
      if (unreferenced.length === 0) return;
      await this.deps.blobs.deleteMany(unreferenced.map((message) => message.blobKey));
      const at = this.deps.now().toISOString();
      await this.batcher.call(() =>
        this.deps.items.markBlobsRemoved(
          unreferenced.map((message) => message.id),
          at,
        ),
      );
      this.deps.logger.debug({ event: 'BLOBS_REMOVED', count: unreferenced.length });
    } catch (error) {
      this.deps.logger.error({ event: 'BLOB_REMOVE_FAILED', messages: ids.length, err: error });
    }
  }
}
