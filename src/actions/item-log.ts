import type { Logger } from 'pino';
import type { Actor } from '../core/actor.js';
import type { QuarantineItem } from '../core/types.js';

/** The item actions that get one log line per item. */
export type LoggedItemAction = 'release' | 'release_approve' | 'delete' | 'release_request' | 'release_deny';

export interface ItemActionLine {
  action: LoggedItemAction;
  actor: Actor;
  itemId: string;
  /** The item as it was read or written, for its recipient, sender and message; null when there is none. */
  item: QuarantineItem | null;
  /** `ok` or the outcome / error code (docs/errors.md). */
  outcome: string;
  /** The downstream's SMTP reply, for releases that reached it. */
  reply?: string | undefined;
  /** Where a release went, when not (only) to the item's recipient. */
  to?: readonly string[] | undefined;
  attempts?: number | undefined;
  jobId?: string | undefined;
}

/**
 * One line per item and action (event ITEM_ACTION): who did what to which item of whom, and how it
 * ended, with the mail server's reply for releases. "Who released the mail from X to Y?" is a grep
 * for ITEM_ACTION and the item id that the INGEST_DECISION line names. Refusals the caller could not
 * cause on purpose (a failed delivery, a store error) are warnings; everything else is info.
 */
export function logItemAction(logger: Logger, line: ItemActionLine): void {
  const failed = ['delivery_deferred', 'delivery_rejected', 'store_error'].includes(line.outcome);
  logger[failed ? 'warn' : 'info']({
    event: 'ITEM_ACTION',
    action: line.action,
    actor: line.actor.label,
    itemId: line.itemId,
    ...(line.item
      ? { recipient: line.item.recipient, sender: line.item.sender, messageId: line.item.messageId }
      : {}),
    outcome: line.outcome,
    ...(line.reply === undefined ? {} : { reply: line.reply }),
    ...(line.to === undefined ? {} : { to: line.to }),
    ...(line.attempts === undefined ? {} : { attempts: line.attempts }),
    ...(line.jobId === undefined ? {} : { jobId: line.jobId }),
  });
}
