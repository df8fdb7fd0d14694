import type { ItemStatus } from './types.js';

/**
 * How one item of a bulk action ended. Stable: clients and the job item listing filter on them.
 * Each code except `ok` is also an error code of src/core/errors.ts with the same meaning.
 */
export const OUTCOME_CODES = [
  'ok',
  'not_found',
  'forbidden',
  'already_released',
  'already_deleted',
  'conflict',
  'interrupted',
  'delivery_deferred',
  'delivery_rejected',
  'store_error',
  'cancelled',
] as const;
export type OutcomeCode = (typeof OUTCOME_CODES)[number];

export type OutcomeCounters = Record<OutcomeCode, number>;

export function zeroCounters(): OutcomeCounters {
  return Object.fromEntries(OUTCOME_CODES.map((code) => [code, 0])) as OutcomeCounters;
}

export function isOutcomeCode(value: string): value is OutcomeCode {
  return (OUTCOME_CODES as readonly string[]).includes(value);
}

/** The result for one item of a bulk action (or of a single release/delete). */
export interface ItemOutcome {
  itemId: string;
  code: OutcomeCode;
  /** For people; may change. */
  message: string;
  /** The item's status after the action, when the item exists. */
  status?: ItemStatus;
  /** The downstream's SMTP reply, for deliveries (accepted or refused). */
  reply?: string;
  /** SMTP attempts made for this item. */
  attempts?: number;
  /** Recipient domain of the item, when it was read; used for the audit's tenant list. */
  tenant?: string;
}
