import { Limiter } from '../../core/limiter.js';
import type { QuarantineItem } from '../../core/types.js';
import type {
  ItemChange,
  ItemStore,
  TransitionExpectation,
  TransitionPort,
  TransitionRequest,
  TransitionResult,
} from '../../store/item-store.js';
import type { AdaptiveWindow } from './adaptive-window.js';
import { retryThrottled } from './retry.js';

export interface BatcherOptions {
  /** Most writes in one transitionMany call. */
  batchSize: number;
  /** Most store calls at once (reads and writes). */
  concurrency: number;
  /** Tries of a call answered with a throttling signal before its items fail with it. */
  maxTries: number;
  /** First back-off after a throttling signal; doubles on each further one. */
  backoffMs: number;
  /**
   * How long a write may wait for others to join its call (group commit): each call of a durable
   * store costs a sync to disk or a round trip, whatever its size.
   */
  lingerMs?: number;
  window: AdaptiveWindow;
  sleep?: (ms: number) => Promise<void>;
  /** Jobs: a call that finds the disk full waits this long and is tried again until space returns. */
  fullDiskPauseMs?: number | undefined;
  onFullDisk?: () => void;
}

export interface BatcherStats {
  throttled: number;
  storeCalls: number;
}

interface Pending {
  request: TransitionRequest;
  resolve: (result: TransitionResult) => void;
  reject: (error: unknown) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Whether `current` is what `request` would have written: a write of ours that the store applied
 * although the call reported a failure (a batch is not atomic), recognised on the retry.
 */
function isOwnWrite(request: TransitionRequest, current: QuarantineItem | null): current is QuarantineItem {
  if (!current || request.expected.version === undefined) return false;
  if (current.status !== request.change.status || current.version !== request.expected.version + 1)
    return false;
  if (
    request.change.lease !== undefined &&
    (current.lease?.owner ?? null) !== (request.change.lease?.owner ?? null)
  )
    return false;
  return current.updatedAt === request.change.at;
}

/**
 * Funnels the engine's store traffic: single conditional writes from many items in flight are
 * coalesced into transitionMany calls (whatever arrived while the previous calls ran, up to
 * batchSize), reads go out as getItems pages, and at most `concurrency` calls run at once. A
 * throttling answer shrinks the window and is retried after an exponential back-off with jitter.
 */
export class StoreBatcher implements TransitionPort {
  readonly stats: BatcherStats = { throttled: 0, storeCalls: 0 };
  private readonly queue: Pending[] = [];
  private readonly limiter: Limiter;
  private scheduled = false;
  private lingering: NodeJS.Timeout | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly store: ItemStore,
    private readonly options: BatcherOptions,
  ) {
    this.limiter = new Limiter(options.concurrency);
    this.sleep = options.sleep ?? defaultSleep;
  }

  transition(id: string, expected: TransitionExpectation, change: ItemChange): Promise<TransitionResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id, expected, change }, resolve, reject });
      this.schedule();
    });
  }

  getItems(ids: readonly string[]): Promise<Map<string, QuarantineItem>> {
    return this.call(() => this.store.getItems(ids));
  }

  /** Any other store call, under the same limit and throttling back-off. */
  call<T>(work: () => Promise<T>): Promise<T> {
    return this.limiter
      .run(() => this.withRetry(work))
      .finally(() => {
        // Writes that queued while every slot was busy with calls like this one go out now.
        if (this.queue.length > 0) this.schedule();
      });
  }

  private schedule(): void {
    if (this.queue.length >= this.options.batchSize) {
      this.pump();
      return;
    }
    if (this.scheduled) {
      if (this.lingering && this.everyItemWaits()) this.flushScheduled();
      return;
    }
    this.scheduled = true;
    // At least the writes started in this turn of the event loop join one call. Waiting longer only
    // pays while other items in flight may still add theirs (e.g. after their SMTP transaction); once
    // every item in the window is waiting for a write, they go.
    setImmediate(() => {
      if (!this.scheduled) return;
      if (!this.options.lingerMs || this.everyItemWaits()) this.flushScheduled();
      else this.lingering = setTimeout(() => this.flushScheduled(), this.options.lingerMs);
    });
  }

  private everyItemWaits(): boolean {
    return this.queue.length >= this.options.window.limiter.inUse;
  }

  private flushScheduled(): void {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    this.scheduled = false;
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && this.limiter.inUse < this.limiter.limit) {
      const batch = this.queue.splice(0, this.options.batchSize);
      void this.limiter
        .run(() => this.flush(batch))
        .finally(() => {
          if (this.queue.length > 0) this.schedule();
        });
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    const results: (TransitionResult | undefined)[] = new Array(batch.length);
    let open = batch.map((_, index) => index);
    try {
      await this.withRetry(async (attempt) => {
        const answers = await this.store.transitionMany(open.map((index) => batch[index]!.request));
        answers.forEach((answer, position) => {
          const index = open[position]!;
          const { request } = batch[index]!;
          results[index] =
            !answer.ok && attempt > 1 && isOwnWrite(request, answer.current)
              ? { ok: true, item: answer.current }
              : answer;
        });
        open = [];
      });
      batch.forEach((pending, index) => {
        pending.resolve(results[index]!);
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  private withRetry<T>(work: (attempt: number) => Promise<T>): Promise<T> {
    return retryThrottled(
      async (attempt) => {
        this.stats.storeCalls += 1;
        const result = await work(attempt);
        this.options.window.succeeded();
        return result;
      },
      {
        tries: this.options.maxTries,
        backoffMs: this.options.backoffMs,
        sleep: this.sleep,
        fullDiskPauseMs: this.options.fullDiskPauseMs,
        ...(this.options.onFullDisk ? { onFullDisk: this.options.onFullDisk } : {}),
        onThrottle: () => {
          this.stats.throttled += 1;
          this.options.window.throttled();
        },
      },
    );
  }
}
