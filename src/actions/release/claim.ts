import type { Logger } from 'pino';
import { DEFAULT_ACCESS_RULES, type Decision, decideItem } from '../../auth/access-policy.js';
import type { ItemOutcome } from '../../core/outcomes.js';
import type { Lease, QuarantineItem } from '../../core/types.js';
import type { ItemStore, TransitionPort } from '../../store/item-store.js';
import { logItemAction } from '../item-log.js';
import { outcome } from '../item-outcome.js';
import { type ReleaseRequest, releaseAction } from './release-types.js';

export function leaseEnded(
  item: QuarantineItem,
  now: Date,
  request: { isAbandonedLease?: (lease: Lease) => boolean },
) {
  if (item.lease === null || item.lease.until <= now.toISOString()) return true;
  return request.isAbandonedLease?.(item.lease) ?? false;
}

/**
 * An item left in `releasing` by an attempt whose lease ran out (its process died) goes back to
 * quarantine marked interrupted: it may have been delivered, so it is never resent without `force`.
 * Answers the item as it is afterwards (also when someone else changed it first).
 */
export async function markInterrupted(
  port: TransitionPort,
  deps: { logger: Logger; now: () => Date },
  item: QuarantineItem,
): Promise<QuarantineItem | null> {
  const at = deps.now().toISOString();
  const result = await port.transition(
    item.id,
    { status: ['releasing'], version: item.version },
    {
      status: 'quarantined',
      at,
      lease: null,
      lastError: {
        code: 'interrupted',
        detail: `Release by ${item.lease?.owner ?? 'an unknown process'} did not finish; the message may have been delivered.`,
        at,
      },
    },
  );
  if (result.ok) {
    deps.logger.warn({ event: 'RELEASE_INTERRUPTED', itemId: item.id, owner: item.lease?.owner });
    return result.item;
  }
  return result.current;
}

/** Why an item the actor may release cannot be claimed for release now, or null when it can. */
function refusal(item: QuarantineItem, request: ReleaseRequest, now: Date): ItemOutcome | null {
  if (request.onlyRequested && item.status !== 'release_requested') {
    return outcome(item, item.id, 'conflict', 'No release of this item is waiting for a decision.');
  }
  if (item.status === 'deleted' || item.status === 'expired') {
    return outcome(item, item.id, 'already_deleted', 'The item was deleted; its message is gone.');
  }
  if (item.status === 'released' && request.jobId !== undefined && item.release?.jobId === request.jobId) {
    // Released by an earlier run of this same job whose outcome was not stored before it stopped.
    return outcome(item, item.id, 'ok', 'Released.', {
      reply: item.release.reply,
      ...(item.release.attempts ? { attempts: item.release.attempts } : {}),
    });
  }
  if (item.status === 'released' && !request.force) {
    return outcome(
      item,
      item.id,
      'already_released',
      'The item was released already; use force to send it again.',
      {
        ...(item.release ? { reply: item.release.reply } : {}),
      },
    );
  }
  if (item.status === 'releasing' && !leaseEnded(item, now, request)) {
    return outcome(item, item.id, 'conflict', 'The item is being released right now.');
  }
  if (item.status !== 'releasing' && item.lastError?.code === 'interrupted' && !request.force) {
    return outcome(
      item,
      item.id,
      'interrupted',
      'An earlier release of this item was interrupted and may have been delivered; use force to send it again.',
    );
  }
  return null;
}

export type ClaimResult = { claimed: QuarantineItem } | { outcome: ItemOutcome };

/**
 * Claims one item for release with a lease (a conditional write, so two callers can never both
 * send it). `item` is the item as read (undefined: read it here). The access policy decides once, on
 * the item as first read (who may release it does not change with its status); a claim that loses a
 * race is judged again on the item's state as it is now.
 */
export async function claimForRelease(
  port: TransitionPort,
  deps: { items: ItemStore; logger: Logger; now: () => Date; leaseMs: number },
  itemId: string,
  item: QuarantineItem | null | undefined,
  request: ReleaseRequest,
): Promise<ClaimResult & { item?: QuarantineItem | null }> {
  const result = await claim(port, deps, itemId, item, request);
  if ('outcome' in result) {
    logItemAction(deps.logger, {
      action: releaseAction(request),
      actor: request.actor,
      itemId,
      item: result.item ?? null,
      outcome: result.outcome.code,
      jobId: request.jobId,
    });
  }
  return result;
}

async function claim(
  port: TransitionPort,
  deps: { items: ItemStore; logger: Logger; now: () => Date; leaseMs: number },
  itemId: string,
  item: QuarantineItem | null | undefined,
  request: ReleaseRequest,
): Promise<ClaimResult & { item?: QuarantineItem | null }> {
  let current = item === undefined ? await deps.items.getItem(itemId) : item;
  const decision: Decision =
    request.decision ?? decideItem(request.actor, current, 'release', request.rules ?? DEFAULT_ACCESS_RULES);
  for (let round = 0; round < 3; round += 1) {
    if (!current || (!decision.allowed && decision.code === 'not_found'))
      return { outcome: outcome(null, itemId, 'not_found', 'No such item.') };
    if (!decision.allowed)
      return { outcome: outcome(current, itemId, decision.code, decision.reason), item: current };
    const now = deps.now();
    const refused = refusal(current, request, now);
    if (refused) return { outcome: refused, item: current };
    if (current.status === 'releasing') {
      current = await markInterrupted(port, deps, current);
      continue;
    }
    const claim = await port.transition(
      itemId,
      { status: [current.status], version: current.version },
      {
        status: 'releasing',
        at: now.toISOString(),
        lease: { owner: request.leaseOwner, until: new Date(now.getTime() + deps.leaseMs).toISOString() },
      },
    );
    if (claim.ok) return { claimed: claim.item };
    current = claim.current;
  }
  return {
    outcome: outcome(current, itemId, 'conflict', 'The item changed while it was being claimed; try again.'),
    item: current,
  };
}
