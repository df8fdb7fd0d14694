import { type AccessRules, type Decision, decideItem } from '../../auth/access-policy.js';
import type { Actor } from '../../core/actor.js';
import type { ItemOutcome } from '../../core/outcomes.js';
import type { Lease, QuarantineItem } from '../../core/types.js';
import type { Metrics } from '../../metrics.js';
import type { ThrottleMonitor } from '../../store/aws/throttle-monitor.js';
import { type DeleteRequest, deleteOne } from '../delete-item.js';
import { storeFailure } from '../item-outcome.js';
import { claimForRelease } from '../release/claim.js';
import { deliverClaimed } from '../release/deliver.js';
import { recordDelivery } from '../release/record.js';
import type { ReleaseDeps, ReleaseRequest } from '../release/release-types.js';
import { AdaptiveWindow, type WindowStats } from './adaptive-window.js';
import { BlobCleanup } from './blob-cleanup.js';
import { StoreBatcher } from './store-batcher.js';

/**
 * A release keeps at most this many items in flight per relay connection: enough to fill the claim
 * and record batches, while more would only hold claims (and memory) longer waiting for SMTP.
 */
const RELEASE_ITEMS_PER_CONNECTION = 32;

/** Tuning of the engine (config keys `bulk.*`). */
export interface BulkSettings {
  /** Most items in flight; the adaptive window starts here and never grows beyond it. */
  window: number;
  /** Most store calls at once. SMTP concurrency is the relay pool's, a separate limit. */
  storeConcurrency: number;
  /** Most conditional writes coalesced into one store call. */
  storeBatchSize: number;
  /** How long a write waits for others to join its store call (group commit). */
  storeLingerMs: number;
  /** Tries of a store call answered with a throttling signal. */
  throttleTries: number;
  /** First back-off after a throttling signal (doubling, with jitter). */
  throttleBackoffMs: number;
  /** How often a job whose store calls find the disk full tries again (jobs.fullDiskPauseMs). */
  fullDiskPauseMs: number;
}

export type EngineDeps = ReleaseDeps & {
  bulk: BulkSettings;
  metrics?: Metrics;
  /**
   * A backend's own overload signal, seen even when its SDK retried the call successfully (DynamoDB,
   * S3): each throttled attempt shrinks the window like a `store_throttled` answer does.
   */
  storeThrottle?: ThrottleMonitor | null;
  /**
   * Jobs: store calls that find the disk full wait for space (every `bulk.fullDiskPauseMs`) instead
   * of failing their items; told of each such pause. A request's bulk action leaves it unset and
   * answers `store_error` for those items at once.
   */
  onFullDisk?: (() => void) | undefined;
};

/** One item of a selection: its place (seq, from 1) and id. */
export interface SelectionEntry {
  seq: number;
  itemId: string;
}

export type SeqOutcome = ItemOutcome & { seq: number };

export interface EngineRun {
  action: 'release' | 'delete';
  actor: Actor;
  force: boolean;
  recipients: string[] | null;
  /** Lease owner written into claimed items. */
  leaseOwner: string;
  isAbandonedLease?: (lease: Lease) => boolean;
  /** The job this run belongs to, if any. */
  jobId?: string;
  /** The selection, page by page, each id once. */
  pages: AsyncIterable<SelectionEntry[]>;
  /** Called once per item as soon as its outcome is known. */
  onOutcome: (outcome: SeqOutcome) => void;
  /** Checked before each unit of work starts: true stops starting new items (cancel, lost lease). */
  shouldStop?: () => boolean;
}

export interface EngineStats {
  window: WindowStats;
  throttled: number;
  storeCalls: number;
  smtpTransactions: number;
}

interface Unit {
  messageId: string;
  /** Each item with the access policy's one decision on it for this run's action. */
  entries: { seq: number; itemId: string; item: QuarantineItem; decision: Decision }[];
}

/**
 * Runs a bulk release or delete through a sliding window: items of one message form a unit (one
 * SMTP transaction for all of them); a unit starts as soon as the window has room for it, never in
 * lock-step batches. Store traffic goes through a StoreBatcher (coalesced writes, page reads, its
 * own concurrency limit, back-off on throttling, which also shrinks the window); SMTP traffic is
 * bounded separately by the relay limiter.
 */
export class BulkEngine {
  private readonly window: AdaptiveWindow;
  private readonly batcher: StoreBatcher;
  private readonly counters = { smtpTransactions: 0 };
  private readonly cleanup: BlobCleanup;
  /** Throttled attempts the backend reported while this engine ran (retried by its SDK). */
  private signalled = 0;

  private readonly rules: AccessRules;

  constructor(private readonly deps: EngineDeps) {
    this.rules = { malwareRelease: deps.config.access.malwareRelease };
    this.window = new AdaptiveWindow(deps.bulk.window);
    this.batcher = new StoreBatcher(deps.items, {
      batchSize: deps.bulk.storeBatchSize,
      concurrency: deps.bulk.storeConcurrency,
      maxTries: deps.bulk.throttleTries,
      backoffMs: deps.bulk.throttleBackoffMs,
      lingerMs: deps.bulk.storeLingerMs,
      window: this.window,
      ...(deps.onFullDisk ? { fullDiskPauseMs: deps.bulk.fullDiskPauseMs, onFullDisk: deps.onFullDisk } : {}),
    });
    this.cleanup = new BlobCleanup(deps, this.batcher);
  }

  stats(): EngineStats {
    return {
      window: this.window.snapshot(),
      throttled: this.batcher.stats.throttled + this.signalled,
      storeCalls: this.batcher.stats.storeCalls,
      smtpTransactions: this.counters.smtpTransactions,
    };
  }

  /** Resolves when every started item has its outcome; `stopped` when shouldStop ended it early. */
  async run(run: EngineRun): Promise<{ stopped: boolean }> {
    const inFlight = new Set<Promise<void>>();
    let stopped = false;
    const counted = this.deps.metrics?.bulkItems;
    const emit = (seq: number, outcome: ItemOutcome) => {
      counted?.inc({ action: run.action, outcome: outcome.code });
      run.onOutcome({ ...outcome, seq });
    };
    if (run.action === 'release') this.window.cap(RELEASE_ITEMS_PER_CONNECTION * this.deps.smtpLimiter.limit);
    const throttledBefore = this.batcher.stats.throttled;
    const stopListening = this.deps.storeThrottle?.onThrottle(() => {
      this.signalled += 1;
      this.window.throttled();
    });
    try {
      outer: for await (const page of run.pages) {
        if (run.shouldStop?.()) {
          stopped = true;
          break;
        }
        let found: Map<string, QuarantineItem>;
        try {
          found = await this.batcher.getItems(page.map((entry) => entry.itemId));
        } catch (error) {
          for (const entry of page) emit(entry.seq, storeFailure(entry.itemId, error));
          continue;
        }
        const units = new Map<string, Unit>();
        for (const entry of page) {
          const item = found.get(entry.itemId) ?? null;
          const decision = decideItem(run.actor, item, run.action, this.rules);
          if (!item || (!decision.allowed && decision.code === 'not_found')) {
            emit(entry.seq, { itemId: entry.itemId, code: 'not_found', message: 'No such item.' });
            continue;
          }
          let unit = units.get(item.messageId);
          if (!unit) {
            unit = { messageId: item.messageId, entries: [] };
            units.set(item.messageId, unit);
          }
          unit.entries.push({ ...entry, item, decision });
        }
        for (const unit of units.values()) {
          if (run.shouldStop?.()) {
            stopped = true;
            break outer;
          }
          const size = unit.entries.length;
          await this.window.limiter.acquire(size);
          const task = this.process(unit, run, emit)
            .catch((error: unknown) => {
              this.deps.logger.error({ event: 'BULK_UNIT_FAILED', messageId: unit.messageId, err: error });
            })
            .finally(() => {
              this.window.limiter.release(size);
              inFlight.delete(task);
            });
          inFlight.add(task);
        }
      }
      await Promise.all(inFlight);
      await this.cleanup.drain();
    } finally {
      // Also when reading the selection failed: no item is left running behind the caller's back.
      await Promise.allSettled(inFlight);
      stopListening?.();
    }
    this.deps.metrics?.bulkThrottled.inc(this.batcher.stats.throttled - throttledBefore);
    return { stopped };
  }

  private async process(unit: Unit, run: EngineRun, emit: (seq: number, outcome: ItemOutcome) => void) {
    const settled = new Set<number>();
    const done = (seq: number, outcome: ItemOutcome) => {
      settled.add(seq);
      emit(seq, outcome);
    };
    try {
      if (run.action === 'release') await this.release(unit, run, done);
      else await this.delete(unit, run, done);
    } catch (error) {
      // Whatever failed unexpectedly, every item of the unit still gets exactly one outcome.
      for (const entry of unit.entries) {
        if (settled.has(entry.seq)) continue;
        const message = `Unexpected failure: ${(error as Error).message}`;
        done(entry.seq, { itemId: entry.itemId, code: 'store_error', message, tenant: entry.item.tenant });
      }
      throw error;
    }
  }

  private async release(unit: Unit, run: EngineRun, done: (seq: number, outcome: ItemOutcome) => void) {
    const request: ReleaseRequest = {
      actor: run.actor,
      force: run.force,
      recipients: run.recipients,
      leaseOwner: run.leaseOwner,
      ...(run.isAbandonedLease ? { isAbandonedLease: run.isAbandonedLease } : {}),
      ...(run.jobId ? { jobId: run.jobId } : {}),
      rules: this.rules,
    };
    if (this.deps.stopping?.aborted) {
      // Past the shutdown deadline nothing new is claimed; the items stay as they are.
      for (const entry of unit.entries) {
        done(entry.seq, {
          itemId: entry.itemId,
          code: 'cancelled',
          message: 'The server stopped before the release started; the item is unchanged.',
          tenant: entry.item.tenant,
        });
      }
      return;
    }
    const claims = await Promise.all(
      unit.entries.map((entry) =>
        claimForRelease(this.batcher, this.deps, entry.itemId, entry.item, {
          ...request,
          decision: entry.decision,
        }).catch((error: unknown) => ({
          outcome: storeFailure(entry.itemId, error),
        })),
      ),
    );
    const claimed: { seq: number; item: QuarantineItem }[] = [];
    claims.forEach((claim, index) => {
      const entry = unit.entries[index]!;
      if ('claimed' in claim) claimed.push({ seq: entry.seq, item: claim.claimed });
      else done(entry.seq, claim.outcome);
    });
    if (claimed.length === 0) return;
    const verdicts = await deliverClaimed(
      this.deps,
      claimed.map((each) => each.item),
      request,
      this.counters,
    );
    await Promise.all(
      claimed.map(async ({ seq, item }) => {
        try {
          const recorded = await recordDelivery(
            this.batcher,
            this.deps,
            item,
            verdicts.get(item.id)!,
            request,
          );
          done(seq, recorded.outcome);
        } catch (error) {
          this.deps.logger.error({ event: 'RELEASE_RECORD_FAILED', itemId: item.id, err: error });
          done(seq, { ...storeFailure(item.id, error), tenant: item.tenant });
        }
      }),
    );
  }

  private async delete(unit: Unit, run: EngineRun, done: (seq: number, outcome: ItemOutcome) => void) {
    const request: DeleteRequest = {
      actor: run.actor,
      ...(run.isAbandonedLease ? { isAbandonedLease: run.isAbandonedLease } : {}),
    };
    const results = await Promise.all(
      unit.entries.map((entry) =>
        deleteOne(this.batcher, this.deps, entry.itemId, entry.item, {
          ...request,
          decision: entry.decision,
        }).catch((error: unknown) => ({
          outcome: { ...storeFailure(entry.itemId, error), tenant: entry.item.tenant },
          item: null,
        })),
      ),
    );
    // The raw message goes once no live item needs it; looked up for many messages at once.
    if (results.some((result) => result.outcome.code === 'ok')) this.cleanup.add(unit.messageId);
    results.forEach((result, index) => {
      done(unit.entries[index]!.seq, result.outcome);
    });
  }
}

/** A selection given as a list of ids, in pages. */
export async function* pagesOf(ids: readonly string[], pageSize = 500): AsyncGenerator<SelectionEntry[]> {
  for (let start = 0; start < ids.length; start += pageSize) {
    yield ids.slice(start, start + pageSize).map((itemId, index) => ({ seq: start + index + 1, itemId }));
  }
}
