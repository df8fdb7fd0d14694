import { decideItem } from '../../auth/access-policy.js';
import type { Actor } from '../../core/actor.js';
import { LazaretError } from '../../core/errors.js';
import type { QuarantineItem } from '../../core/types.js';
import { logItemAction } from '../item-log.js';
import { outcomeError } from '../item-outcome.js';
import { claimForRelease } from './claim.js';
import { deliverClaimed } from './deliver.js';
import { recordDelivery } from './record.js';
import type { ReleaseDeps, ReleaseOptions, ReleaseRequest } from './release-types.js';

/**
 * Releases one item: claim → deliver → record, the same steps a bulk release runs for each item.
 * Takes the item as the caller read it and the caller's decision on it; absent, it reads and decides
 * here, once. Answers the released item; any other outcome rejects with its code (see docs/errors.md).
 */
export async function releaseItem(
  deps: ReleaseDeps,
  id: string,
  actor: Actor,
  options: ReleaseOptions = {},
): Promise<QuarantineItem> {
  const rules = { malwareRelease: deps.config.access.malwareRelease };
  const item = options.item === undefined ? await deps.items.getItem(id) : options.item;
  const decision =
    options.decision ?? decideItem(actor, item, options.onlyRequested ? 'approve_release' : 'release', rules);
  const request: ReleaseRequest = {
    actor,
    force: options.force ?? false,
    recipients: options.recipients ?? null,
    leaseOwner: deps.nodeName,
    rules,
    decision,
    ...(options.onlyRequested ? { onlyRequested: true } : {}),
  };
  if (options.onlyRequested && item && decision.allowed && item.status !== 'release_requested') {
    logItemAction(deps.logger, {
      action: 'release_approve',
      actor,
      itemId: id,
      item,
      outcome: 'not_requested',
    });
    throw new LazaretError('not_requested', 'No release of this item is waiting for a decision.', {
      itemId: id,
    });
  }
  const claim = await claimForRelease(deps.items, deps, id, item, request);
  if ('outcome' in claim) throw outcomeError(claim.outcome);
  const verdicts = await deliverClaimed(deps, [claim.claimed], request);
  const recorded = await recordDelivery(deps.items, deps, claim.claimed, verdicts.get(id)!, request);
  if (recorded.outcome.code !== 'ok' || !recorded.item) throw outcomeError(recorded.outcome);
  return recorded.item;
}
