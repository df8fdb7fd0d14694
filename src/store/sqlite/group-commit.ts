import type { Database } from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes asked for during one turn of the event loop run in a single transaction,
 * so that many concurrent SMTP sessions share one fsync. Each write runs in its own savepoint, so
 * one that fails is rolled back alone and only its caller sees the error; if the commit itself
 * fails, every caller of the batch does. A promise resolves only after the commit, i.e. once durable.
 */
export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly beforeCommitHooks: (() => void)[] = [];

  /**
   * @param turnsToGather event-loop turns a batch waits for more writes before it commits: each
   *   turn lets other sessions' I/O reach the queue (measured: 3 turns doubled ingest throughput
   *   over 1 with 16 SMTP sessions); an idle loop turns in microseconds, so a lone write barely waits.
   * @param maxBatch a batch this large commits at once.
   */
  constructor(
    private readonly db: Database,
    private readonly turnsToGather = 3,
    private readonly maxBatch = 256,
  ) {}

  /**
   * Runs `hook` inside every batch's transaction after its writes, before the commit; if it throws,
   * the whole batch is rolled back and every caller sees the error.
   */
  beforeCommit(hook: () => void): void {
    this.beforeCommitHooks.push(hook);
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.waitTurns(this.turnsToGather);
      }
    });
  }

  private waitTurns(turns: number): void {
    setImmediate(() => {
      if (turns > 1 && this.pending.length < this.maxBatch) this.waitTurns(turns - 1);
      else this.flush();
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const entry of batch) {
          try {
            // A transaction inside a transaction is a savepoint in better-sqlite3.
            outcomes.push({ ok: true, value: this.db.transaction(entry.work)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
        for (const hook of this.beforeCommitHooks) hook();
      })();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(outcome.error);
    });
  }
}
