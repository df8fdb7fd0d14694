import type { Logger } from 'pino';
import type { QuarantineItem } from '../core/types.js';
import type { Metrics } from '../metrics.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ItemStore } from '../store/item-store.js';

export interface PurgeDeps {
  items: ItemStore;
  blobs: BlobStore;
  logger: Logger;
  now: () => Date;
  metrics?: Metrics | undefined;
}

export interface PurgeOptions {
  /** Items read and expired per batch, and messages per sweep batch. */
  batchSize: number;
  /** Only report what would go. */
  dryRun?: boolean;
  /** Called after each batch with the running totals. */
  onBatch?: (report: PurgeReport) => void;
}

export interface PurgeReport {
  /** Items moved to `expired` (in a dry run: that would be). */
  expiredItems: number;
  /** Raw messages removed (in a dry run: that would be). */
  removedBlobs: number;
  /** Items that changed (released, deleted, claimed) between the read and the write, left as they are. */
  skipped: number;
  /** Dry run only: the items that would expire, in expiry order. */
  items: QuarantineItem[];
  /** Dry run only: ids of the messages whose raw bytes would be removed. */
  messages: string[];
}

/**
 * Retention: expires every item whose expiresAt has passed, in bounded batches, each by a
 * conditional write (a concurrent release or delete wins); then removes the raw message of every
 * message that no live item needs any more and marks it removed. Removing comes after the marking
 * read, so a purge that stops half way is finished by the next one.
 */
export async function purgeExpired(deps: PurgeDeps, options: PurgeOptions): Promise<PurgeReport> {
  const report: PurgeReport = { expiredItems: 0, removedBlobs: 0, skipped: 0, items: [], messages: [] };
  const now = deps.now().toISOString();
  // A dry run counts, per message, how many of its live items would expire.
  const expiringPerMessage = new Map<string, number>();
  let after: { expiresAt: string; id: string } | undefined;
  for (;;) {
    const batch = await deps.items.listExpired(now, options.batchSize, after);
    if (batch.length === 0) break;
    const last = batch.at(-1)!;
    after = { expiresAt: last.expiresAt!, id: last.id };
    for (const item of batch) {
      if (options.dryRun) {
        report.items.push(item);
        report.expiredItems += 1;
        expiringPerMessage.set(item.messageId, (expiringPerMessage.get(item.messageId) ?? 0) + 1);
        continue;
      }
      const result = await deps.items.transition(
        item.id,
        { status: [item.status], version: item.version },
        { status: 'expired', at: now, lease: null },
      );
      if (result.ok) {
        report.expiredItems += 1;
        deps.metrics?.purgedItems.inc();
      } else {
        report.skipped += 1;
      }
    }
    options.onBatch?.(report);
  }

  if (options.dryRun) {
    for (const [messageId, expiring] of expiringPerMessage) {
      if ((await deps.items.countLiveItems(messageId)) === expiring) report.messages.push(messageId);
    }
  }
  let afterMessage: string | null = null;
  for (;;) {
    const batch = await deps.items.listUnreferencedMessages(afterMessage, options.batchSize);
    if (batch.length === 0) break;
    afterMessage = batch.at(-1)!.id;
    if (options.dryRun) {
      report.messages.push(...batch.map((message) => message.id));
      continue;
    }
    const removed: string[] = [];
    for (const message of batch) {
      try {
        await deps.blobs.delete(message.blobKey);
        removed.push(message.id);
      } catch (error) {
        deps.logger.error({ event: 'PURGE_BLOB_FAILED', messageId: message.id, err: error });
      }
    }
    // Another node may have removed some of them at the same time: only those this one marked count.
    const marked = await deps.items.markBlobsRemoved(removed, now);
    report.removedBlobs += marked;
    deps.metrics?.purgedBlobs.inc(marked);
    options.onBatch?.(report);
  }
  if (options.dryRun) report.removedBlobs = report.messages.length;
  return report;
}
