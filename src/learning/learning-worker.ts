import type { Logger } from 'pino';
import type { Config } from '../config/load-config.js';
import { isLazaretError, LazaretError } from '../core/errors.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ItemStore } from '../store/item-store.js';
import type { LearningStore, LearnTask } from '../store/learning-store.js';
import type { SpamTeacher } from './teachers.js';

export interface LearningWorkerDeps {
  learning: LearningStore;
  items: ItemStore;
  blobs: BlobStore;
  logger: Logger;
  now: () => Date;
  nodeName: string;
  config: Pick<Config, 'learning'>;
  teacher: SpamTeacher;
}

export interface LearnReport {
  learned: number;
  retried: number;
  gaveUp: number;
}

/** Tasks taken per store read. */
const BATCH = 20;

/**
 * Teaches the spam filter what people did, from the durable queue: on every node, as soon as a task
 * is queued here and every `learning.pollSeconds` otherwise. A task is taken with a conditional write
 * that also moves it out of the due list until its attempt's end, so a node that dies mid-attempt
 * leaves it to be retried. Failures are logged (LEARN_FAILED) and retried with doubling waits; after
 * `learning.maxAttempts` the task stays as `failed` (LEARN_GAVE_UP). Nothing here ever waits on a release.
 */
export class LearningWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<LearnReport> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly deps: LearningWorkerDeps) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.wake();
      this.timer = setTimeout(tick, this.deps.config.learning.pollSeconds * 1000);
      this.timer.unref();
    };
    tick();
  }

  /** Looks for due tasks now (queued ones call this); a pass already running goes round once more. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.runOnce().catch((error: unknown) =>
      this.deps.logger.error({ event: 'LEARN_PASS_FAILED', err: error }),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Works through every task due now; concurrent calls share one pass. */
  runOnce(): Promise<LearnReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
    return this.running;
  }

  private async pass(): Promise<LearnReport> {
    const report: LearnReport = { learned: 0, retried: 0, gaveUp: 0 };
    for (;;) {
      if (this.stopped) return report;
      const due = await this.deps.learning.listDueLearnTasks(this.deps.now().toISOString(), BATCH);
      if (due.length === 0) return report;
      let taken = 0;
      for (const task of due) {
        const outcome = await this.attempt(task);
        if (outcome) {
          taken += 1;
          report[outcome] += 1;
        }
      }
      // Every due task was taken by another node meanwhile: leave the rest to them.
      if (taken === 0) return report;
    }
  }

  private async attempt(task: LearnTask): Promise<keyof LearnReport | null> {
    const { learning, config, logger } = this.deps;
    const now = this.deps.now();
    const timeoutMs = config.learning.timeoutMs;
    const taken = await learning.writeLearnTask(
      {
        ...task,
        attempts: task.attempts + 1,
        owner: this.deps.nodeName,
        nextAttemptAt: new Date(now.getTime() + 2 * timeoutMs).toISOString(),
      },
      task.version,
    );
    if (!taken) return null;
    try {
      const answer = await this.teach(taken, timeoutMs);
      await learning.removeLearnTask(taken.id, taken.version);
      logger.info({
        event: 'LEARNED',
        itemId: taken.itemId,
        kind: taken.kind,
        teacher: this.deps.teacher.name,
        answer,
        attempts: taken.attempts,
      });
      return 'learned';
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      const gone = isLazaretError(error, 'not_found');
      const giveUp = gone || taken.attempts >= config.learning.maxAttempts;
      const wait = config.learning.retryBaseSeconds * 1000 * 2 ** (taken.attempts - 1);
      await learning.writeLearnTask(
        {
          ...taken,
          state: giveUp ? 'failed' : 'pending',
          lastError: detail,
          nextAttemptAt: new Date(this.deps.now().getTime() + (giveUp ? 0 : wait)).toISOString(),
        },
        taken.version,
      );
      const entry = {
        itemId: taken.itemId,
        kind: taken.kind,
        teacher: this.deps.teacher.name,
        attempts: taken.attempts,
        error: detail,
      };
      if (giveUp) logger.error({ event: 'LEARN_GAVE_UP', ...entry });
      else logger.warn({ event: 'LEARN_FAILED', ...entry, retryInMs: wait });
      return giveUp ? 'gaveUp' : 'retried';
    }
  }

  private async teach(task: LearnTask, timeoutMs: number) {
    const message = await this.deps.items.getMessage(task.messageId);
    if (!message) throw new LazaretError('not_found', 'The message is gone, so it cannot be learned.');
    const raw = await this.deps.blobs.get(message.blobKey);
    const signal = AbortSignal.timeout(timeoutMs);
    return this.deps.teacher.learn(task.kind, raw, message.size, signal);
  }
}
