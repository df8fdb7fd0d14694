import type { Reason } from '../core/types.js';

/** The decision for one recipient: hold it with a reason, or let it pass. */
export interface Verdict {
  action: 'quarantine' | 'pass';
  reason: Reason;
  score: number | null;
  details: Record<string, unknown>;
}
