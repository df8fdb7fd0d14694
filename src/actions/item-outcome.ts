import { isStoreFailure, LazaretError } from '../core/errors.js';
import type { ItemOutcome } from '../core/outcomes.js';
import type { QuarantineItem } from '../core/types.js';

/** One item's outcome, with the item's status and tenant when it was seen. */
export function outcome(
  item: QuarantineItem | null,
  itemId: string,
  code: ItemOutcome['code'],
  message: string,
  extra: Partial<ItemOutcome> = {},
): ItemOutcome {
  return {
    itemId,
    code,
    message,
    ...(item ? { status: item.status, tenant: item.tenant } : {}),
    ...extra,
  };
}

/** The error a single-item call answers for an outcome other than ok. */
export function outcomeError(result: ItemOutcome): LazaretError {
  const code = result.code === 'ok' ? 'internal_error' : result.code;
  return new LazaretError(code, result.message, {
    itemId: result.itemId,
    ...(result.reply === undefined ? {} : { reply: result.reply }),
    ...(result.attempts === undefined ? {} : { attempts: result.attempts }),
  });
}

/** A store failure during one item becomes its `store_error` outcome instead of ending the whole run. */
export function storeFailure(itemId: string, error: unknown): ItemOutcome {
  if (isStoreFailure(error)) {
    return { itemId, code: 'store_error', message: error.message };
  }
  throw error;
}

/** The outcome of an item a run started but did not report (it never happens; said, not guessed). */
export function missingOutcome(itemId: string): ItemOutcome {
  return { itemId, code: 'store_error', message: 'No outcome recorded.' };
}
