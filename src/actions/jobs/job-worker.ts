import { randomBytes } from 'node:crypto';
import type { Wakeup } from '../../core/wakeup.js';
import { JobRunner, type JobRunnerDeps } from './job-runner.js';

export interface JobWorkerOptions {
  concurrency: number;
  pollMs: number;
  /** Rung when a job is created or cancelled in this process: look for work now. */
  wakeup?: Wakeup;
}

/**
 * The job worker inside `serve`: claims runnable jobs (new ones, and ones whose worker died and
 * whose lease ran out) up to `concurrency` at a time and runs them. Creating a job in this process
 * wakes it at once; jobs created elsewhere are found by polling.
 */
export class JobWorker {
  /** This worker's lease owner name: unique per process start, so a restart never mistakes old leases for its own. */
  readonly owner: string;
  private readonly running = new Map<string, { runner: JobRunner; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private polling = false;
  private again = false;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly deps: JobRunnerDeps,
    private readonly options: JobWorkerOptions,
  ) {
    this.owner = `${deps.nodeName}#${randomBytes(4).toString('hex')}`;
  }

  start(): void {
    this.stopped = false;
    this.stopListening = this.options.wakeup?.listen(() => this.wake());
    this.wake();
  }

  /** Look for work now (a job was created or cancelled). */
  wake(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.polling = true;
    void this.poll().finally(() => {
      this.polling = false;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.wake();
        return;
      }
      this.timer = setTimeout(() => this.wake(), this.options.pollMs);
    });
  }

  private async poll(): Promise<void> {
    while (!this.stopped && this.running.size < this.options.concurrency) {
      const now = new Date();
      let job: Awaited<ReturnType<JobRunnerDeps['jobs']['claimJob']>>;
      try {
        job = await this.deps.jobs.claimJob(
          this.owner,
          now.toISOString(),
          new Date(now.getTime() + this.deps.jobLeaseMs).toISOString(),
        );
      } catch (error) {
        this.deps.logger.warn({ event: 'JOB_CLAIM_FAILED', err: error });
        return;
      }
      if (!job) return;
      if (this.running.has(job.id)) {
        // The lease of a job running here ran out (its renewals failed) and this claim renewed it for
        // the same owner: the run goes on, never a second run of one job beside it.
        this.deps.logger.warn({ event: 'JOB_LEASE_RECLAIMED', jobId: job.id, owner: this.owner });
        return;
      }
      const runner = new JobRunner(this.deps, job, this.owner);
      this.deps.metrics?.jobsRunning.inc();
      const done = runner.run().finally(() => {
        this.deps.metrics?.jobsRunning.dec();
        this.running.delete(job.id);
        this.wake();
      });
      this.running.set(job.id, { runner, done });
    }
  }

  /** Ids of the jobs running here now. */
  get active(): string[] {
    return [...this.running.keys()];
  }

  /** Stops claiming; running jobs stop starting items, store what finished and give up their lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopListening?.();
    clearTimeout(this.timer);
    for (const { runner } of this.running.values()) runner.stop();
    await Promise.all([...this.running.values()].map((entry) => entry.done));
  }
}
