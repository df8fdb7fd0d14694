import type { Logger } from 'pino';
import type { Config } from '../config/load-config.js';
import { newId } from '../core/ids.js';
import type { QuarantineItem } from '../core/types.js';
import type { LearningStore, LearnKind } from '../store/learning-store.js';

/** What the rest of Lazaret tells the spam filter about; never fails and never waits for the filter. */
export interface Learner {
  /** Items people released: they were ham. */
  released(items: readonly QuarantineItem[], by: string): Promise<void>;
  /** An item someone reported as spam. */
  reportedSpam(item: QuarantineItem, by: string): Promise<void>;
}

export interface LearnerDeps {
  learning: LearningStore;
  logger: Logger;
  now: () => Date;
  config: Pick<Config, 'learning'>;
}

/**
 * Queues learning tasks in the store for the learning worker (src/learning/learning-worker.ts) and
 * wakes it. With `learning.backend=none` it does nothing. A failure to queue is logged
 * (LEARN_ENQUEUE_FAILED) and swallowed: teaching the filter never holds up a release.
 */
export class QueueingLearner implements Learner {
  constructor(
    private readonly deps: LearnerDeps,
    private readonly wake: () => void = () => undefined,
  ) {}

  get enabled(): boolean {
    return this.deps.config.learning.backend !== 'none';
  }

  async released(items: readonly QuarantineItem[], by: string): Promise<void> {
    for (const item of items) await this.enqueue(item, 'ham', by);
  }

  async reportedSpam(item: QuarantineItem, by: string): Promise<void> {
    await this.enqueue(item, 'spam', by);
  }

  private async enqueue(item: QuarantineItem, kind: LearnKind, by: string): Promise<void> {
    if (!this.enabled) return;
    const at = this.deps.now().toISOString();
    try {
      await this.deps.learning.addLearnTask({
        id: newId(),
        itemId: item.id,
        messageId: item.messageId,
        kind,
        requestedBy: by,
        createdAt: at,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: at,
        lastError: null,
        owner: null,
        version: 1,
      });
      this.wake();
    } catch (error) {
      this.deps.logger.error({ event: 'LEARN_ENQUEUE_FAILED', itemId: item.id, kind, err: error });
    }
  }
}
