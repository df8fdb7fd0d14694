import type { Logger } from 'pino';
import type { AccessRules, Decision } from '../../auth/access-policy.js';
import type { Config } from '../../config/load-config.js';
import type { Actor } from '../../core/actor.js';
import type { Limiter } from '../../core/limiter.js';
import type { Lease, QuarantineItem } from '../../core/types.js';
import type { Learner } from '../../learning/learner.js';
import type { SmtpRelay } from '../../relay/smtp-relay.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { ItemStore } from '../../store/item-store.js';
import type { LoggedItemAction } from '../item-log.js';

/** How 4xx answers are retried: `attempts` in all, waiting retryBaseMs, then twice that, and so on. */
export interface DeliveryPolicy {
  attempts: number;
  retryBaseMs: number;
}

export interface ReleaseDeps {
  config: Pick<Config, 'access'>;
  items: ItemStore;
  blobs: BlobStore;
  relay: SmtpRelay;
  logger: Logger;
  now: () => Date;
  nodeName: string;
  leaseMs: number;
  delivery: DeliveryPolicy;
  /** Bounds SMTP transactions in flight across the process (the relay pool's size). */
  smtpLimiter: Limiter;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Aborted when the shutdown deadline passes (`shutdownTimeoutMs`): no further attempt starts, a wait
   * for a retry ends, and a delivery the cut connection left unanswered is recorded `interrupted`.
   */
  stopping?: AbortSignal;
  /** Told of every item released, whatever released it: the spam filter learns them as ham. */
  learner?: Pick<Learner, 'released'>;
}

/** What a release is asked to do, the same for one item and for a bulk action. */
export interface ReleaseRequest {
  actor: Actor;
  /** Send again although released already or interrupted before. */
  force: boolean;
  /** Deliver to these addresses instead of each item's recipient. */
  recipients: string[] | null;
  /** Written into each claimed item's lease: who is sending it. */
  leaseOwner: string;
  /** Leases of a worker known to be gone (a job taken over), treated as expired. */
  isAbandonedLease?: (lease: Lease) => boolean;
  /** The job doing the release, recorded in the item's release info. */
  jobId?: string;
  /** The configurable access rules (who may release malware). */
  rules?: AccessRules;
  /**
   * The caller's decision on this item for this action, made once on the item it read; absent, the
   * claim decides on the item as it first reads it.
   */
  decision?: Decision;
  /** Approving a request: only an item in `release_requested` is released. */
  onlyRequested?: boolean;
}

export interface ReleaseOptions {
  /** The item as the caller read it (absent: read here). */
  item?: QuarantineItem | null;
  /** The caller's decision on `item` (absent: decided here, once). */
  decision?: Decision;
  force?: boolean;
  recipients?: string[];
  /** Approving a request: release only an item in `release_requested` (else `not_requested`). */
  onlyRequested?: boolean;
}

/** How a release is written in the item log: an approval, or a release. */
export function releaseAction(request: ReleaseRequest): LoggedItemAction {
  return request.onlyRequested ? 'release_approve' : 'release';
}
