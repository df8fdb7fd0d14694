import type { Logger } from 'pino';
import type { ItemOutcome } from '../../core/outcomes.js';
import type { QuarantineItem } from '../../core/types.js';
import type { Learner } from '../../learning/learner.js';
import type { TransitionPort } from '../../store/item-store.js';
import { logItemAction } from '../item-log.js';
import { outcome } from '../item-outcome.js';
import type { DeliveryVerdict } from './deliver.js';
import { type ReleaseRequest, releaseAction } from './release-types.js';

type Recorded = { outcome: ItemOutcome; item: QuarantineItem | null };
type RecordDeps = { logger: Logger; now: () => Date; learner?: Pick<Learner, 'released'> | undefined };

/**
 * Records how delivery went: `released` only after a 2xx; otherwise back where it was (quarantined,
 * or released for a forced resend) with the reply in lastError.
 */
export async function recordDelivery(
  port: TransitionPort,
  deps: RecordDeps,
  claimed: QuarantineItem,
  verdict: DeliveryVerdict,
  request: ReleaseRequest,
): Promise<Recorded> {
  switch (verdict.kind) {
    case 'accepted':
      return recordAccepted(port, deps, claimed, verdict, request);
    case 'interrupted':
      return recordInterrupted(port, deps, claimed, verdict);
    default:
      return recordFailed(port, deps, claimed, verdict, request);
  }
}

/** The ITEM_ACTION line of one recorded release, before its outcome. */
function logLine(claimed: QuarantineItem, request: ReleaseRequest) {
  return {
    action: releaseAction(request),
    actor: request.actor,
    itemId: claimed.id,
    item: claimed,
    jobId: request.jobId,
  };
}

/** The downstream took it: `released` with the release info; a recipient it refused goes into lastError. */
async function recordAccepted(
  port: TransitionPort,
  deps: RecordDeps,
  claimed: QuarantineItem,
  verdict: Extract<DeliveryVerdict, { kind: 'accepted' }>,
  request: ReleaseRequest,
): Promise<Recorded> {
  const at = deps.now().toISOString();
  const partial = verdict.refused[0];
  const done = await port.transition(
    claimed.id,
    { status: ['releasing'], version: claimed.version },
    {
      status: 'released',
      at,
      lease: null,
      lastError: partial
        ? { code: 'delivery_rejected', detail: `Refused for ${partial.recipient}`, at, reply: partial.reply }
        : null,
      release: {
        to: verdict.to,
        by: request.actor.label,
        at,
        reply: verdict.reply,
        attempts: verdict.attempts,
        ...(request.jobId ? { jobId: request.jobId } : {}),
      },
    },
  );
  const delivered = { reply: verdict.reply, to: verdict.to, attempts: verdict.attempts };
  const answer = { reply: verdict.reply, attempts: verdict.attempts };
  if (!done.ok) {
    deps.logger.error({ event: 'RELEASE_RECORD_FAILED', itemId: claimed.id, reply: verdict.reply });
    logItemAction(deps.logger, {
      ...logLine(claimed, request),
      item: done.current,
      outcome: 'conflict',
      ...delivered,
    });
    const message = 'Delivered, but the item changed meanwhile.';
    return { outcome: outcome(done.current, claimed.id, 'conflict', message, answer), item: done.current };
  }
  logItemAction(deps.logger, { ...logLine(claimed, request), item: done.item, outcome: 'ok', ...delivered });
  // Queued, never awaited: teaching the filter must not slow a release down (the learner never rejects).
  void deps.learner?.released([done.item], request.actor.label);
  return { outcome: outcome(done.item, claimed.id, 'ok', 'Released.', answer), item: done.item };
}

/** Deferred, refused or unreadable: back where it was before the claim, the reply in lastError. */
async function recordFailed(
  port: TransitionPort,
  deps: RecordDeps,
  claimed: QuarantineItem,
  verdict: Extract<DeliveryVerdict, { kind: 'delivery_deferred' | 'delivery_rejected' | 'store_error' }>,
  request: ReleaseRequest,
): Promise<Recorded> {
  const at = deps.now().toISOString();
  const back = await port.transition(
    claimed.id,
    { status: ['releasing'], version: claimed.version },
    {
      status: claimed.release ? 'released' : 'quarantined',
      at,
      lease: null,
      lastError: {
        code: verdict.kind,
        detail: verdict.reply,
        at,
        reply: verdict.reply,
        attempts: verdict.attempts,
      },
    },
  );
  if (!back.ok)
    deps.logger.error({ event: 'RELEASE_RECORD_FAILED', itemId: claimed.id, reply: verdict.reply });
  logItemAction(deps.logger, {
    ...logLine(claimed, request),
    outcome: verdict.kind,
    reply: verdict.reply,
    attempts: verdict.attempts,
  });
  const item = back.ok ? back.item : back.current;
  const message = `${FAILURE_TEXT[verdict.kind]}; ${afterFailure(item)}`;
  const answer = { reply: verdict.reply, attempts: verdict.attempts };
  return { outcome: outcome(item, claimed.id, verdict.kind, message, answer), item };
}

const FAILURE_TEXT = {
  delivery_deferred: 'The mail server deferred the message',
  delivery_rejected: 'The mail server refused the message',
  store_error: 'The stored message could not be read',
} as const;

/**
 * Records a release that shutdown cut off. Sent (the transaction was unanswered): back in quarantine
 * marked `interrupted`, exactly as after a crash, so it is never resent without `force`. Not sent yet:
 * back where it was, unchanged otherwise, and the outcome is `cancelled`.
 */
async function recordInterrupted(
  port: TransitionPort,
  deps: { logger: Logger; now: () => Date },
  claimed: QuarantineItem,
  verdict: Extract<DeliveryVerdict, { kind: 'interrupted' }>,
): Promise<Recorded> {
  const at = deps.now().toISOString();
  const result = await port.transition(
    claimed.id,
    { status: ['releasing'], version: claimed.version },
    verdict.sent
      ? {
          status: 'quarantined',
          at,
          lease: null,
          lastError: {
            code: 'interrupted',
            detail: 'The server stopped while the message was being sent; it may have been delivered.',
            at,
            attempts: verdict.attempts,
          },
        }
      : { status: claimed.release ? 'released' : 'quarantined', at, lease: null },
  );
  if (!result.ok)
    deps.logger.error({ event: 'RELEASE_RECORD_FAILED', itemId: claimed.id, reply: verdict.reply });
  deps.logger.warn({ event: 'RELEASE_CUT_BY_SHUTDOWN', itemId: claimed.id, sent: verdict.sent });
  const item = result.ok ? result.item : result.current;
  return {
    outcome: verdict.sent
      ? outcome(
          item,
          claimed.id,
          'interrupted',
          'The server stopped while sending; the message may have been delivered.',
          {
            attempts: verdict.attempts,
          },
        )
      : outcome(
          item,
          claimed.id,
          'cancelled',
          'The server stopped before the release started; the item is unchanged.',
        ),
    item,
  };
}

/** What a failed send left behind, said from the item's state as recorded (not as hoped for). */
function afterFailure(item: QuarantineItem | null): string {
  if (item === null) return 'the item is gone.';
  switch (item.status) {
    case 'quarantined':
      return 'it stays quarantined.';
    case 'released':
      return 'this resend was not delivered; the item stays released from its earlier delivery.';
    default:
      return `the item is now ${item.status}.`;
  }
}
