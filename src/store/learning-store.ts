import type { Timestamp } from '../core/types.js';
import type { Page, PageRequest } from './item-store.js';

export const LEARN_KINDS = ['ham', 'spam'] as const;
export type LearnKind = (typeof LEARN_KINDS)[number];

/** One message to teach the spam filter: a release (ham) or a report (spam). */
export interface LearnTask {
  id: string;
  itemId: string;
  /** The message whose raw bytes are taught. */
  messageId: string;
  kind: LearnKind;
  /** Audit label of who caused it. */
  requestedBy: string;
  createdAt: Timestamp;
  /** `pending` until it succeeds (then it is removed) or has failed `learning.maxAttempts` times. */
  state: 'pending' | 'failed';
  attempts: number;
  /**
   * When it is due. A worker taking the task moves this past the end of its attempt, which makes the
   * task its own lease: if the worker dies, the task becomes due again by itself.
   */
  nextAttemptAt: Timestamp;
  lastError: string | null;
  /** Node that last took the task. */
  owner: string | null;
  /** Incremented by every write; writes are conditional on it. */
  version: number;
}

export interface LearnTaskFilter {
  state?: LearnTask['state'];
  itemId?: string;
}

/**
 * The durable queue of learning tasks, shared by every node. Every backend passes
 * test/contract/learning-store.contract.ts unchanged. Methods reject with a `LazaretError`
 * (`store_error` for backend failures, `bad_cursor`).
 */
export interface LearningStore {
  /** Adds a new task (its id is new; nothing is deduplicated: the spam filters ignore a repeated lesson). */
  addLearnTask(task: LearnTask): Promise<void>;

  getLearnTask(id: string): Promise<LearnTask | null>;

  /** Pending tasks with nextAttemptAt at or before `now`, the longest due first, at most `limit`. */
  listDueLearnTasks(now: Timestamp, limit: number): Promise<LearnTask[]>;

  /** Tasks matching the filter, newest first, cursor paged (for inspection). */
  listLearnTasks(filter: LearnTaskFilter, page: PageRequest): Promise<Page<LearnTask>>;

  /**
   * Conditional write: replaces the task only if its stored version equals `expectedVersion`; the
   * stored version becomes `expectedVersion + 1`. Answers the task as stored, or null when the
   * condition failed (or the task is gone). Of two concurrent writes exactly one succeeds.
   */
  writeLearnTask(task: LearnTask, expectedVersion: number): Promise<LearnTask | null>;

  /** Removes the task if its stored version equals `expectedVersion`; answers whether it did. */
  removeLearnTask(id: string, expectedVersion: number): Promise<boolean>;
}
