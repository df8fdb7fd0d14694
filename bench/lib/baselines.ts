import type { ItemStore } from '../../src/store/item-store.js';

/**
 * The two algorithms of the system Lazaret grew out of, as its write-up shows them: per item, get the
 * message, then update its status. `act` is that per-item step; the baselines differ only in order.
 */
export type PerItem = (id: string) => Promise<void>;

export interface BulkResult {
  results: { messageId: string; success: true }[];
  errors: { messageId: string; error: string }[];
}

/** Before: a sequential for loop. */
export async function sequentialLoop(ids: readonly string[], act: PerItem): Promise<BulkResult> {
  const result: BulkResult = { results: [], errors: [] };
  for (const id of ids) {
    try {
      await act(id);
      result.results.push({ messageId: id, success: true });
    } catch (error) {
      result.errors.push({ messageId: id, error: (error as Error).message || 'Failed' });
    }
  }
  return result;
}

/** After: batches of 50 under Promise.allSettled, one batch after another. */
export async function batchesOf50(ids: readonly string[], act: PerItem): Promise<BulkResult> {
  const BATCH_SIZE = 50;
  const result: BulkResult = { results: [], errors: [] };
  for (let start = 0; start < ids.length; start += BATCH_SIZE) {
    const batch = ids.slice(start, start + BATCH_SIZE);
    const settled = await Promise.allSettled(
      batch.map(async (id) => {
        await act(id);
        return { messageId: id, success: true as const };
      }),
    );
    settled.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') result.results.push(outcome.value);
      else result.errors.push({ messageId: batch[index]!, error: outcome.reason?.message || 'Failed' });
    });
  }
  return result;
}

/** The original per-item delete: getQuarantineMessage, then updateQuarantineMessageStatus. */
export function originalDelete(store: ItemStore, now: () => string): PerItem {
  return async (id) => {
    const item = await store.getItem(id);
    if (!item) throw new Error('Message not found');
    const updated = await store.transition(id, { status: [item.status] }, { status: 'deleted', at: now() });
    if (!updated.ok) throw new Error('Update failed');
  };
}
