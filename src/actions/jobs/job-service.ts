import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { canSeeJob, jobScope, mayChangeItems } from '../../auth/access-policy.js';
import type { Actor } from '../../core/actor.js';
import { LazaretError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { zeroCounters } from '../../core/outcomes.js';
import { parseSearchQuery } from '../../core/search-query.js';
import type { Page, PageRequest } from '../../store/item-store.js';
import type { Job, JobAction, JobItem, JobItemFilter, JobStore } from '../../store/job-store.js';
import { distinctIds } from '../bulk/bulk-action.js';

export interface CreateJobInput {
  action: JobAction;
  ids?: readonly string[];
  query?: string;
  force: boolean;
  recipients: string[] | null;
  idempotencyKey?: string;
}

export interface JobServiceDeps {
  jobs: JobStore;
  logger: Logger;
  now: () => Date;
  /** Tells the job workers to look for work now (a job was created or cancelled). */
  wakeJobs: () => void;
}

const APPEND_CHUNK = 1000;

function fingerprint(input: CreateJobInput, ids: readonly string[] | undefined): string {
  return createHash('sha256')
    .update(
      JSON.stringify([input.action, ids ?? null, input.query ?? null, input.force, input.recipients ?? null]),
    )
    .digest('hex');
}

/** Durable bulk jobs as their owners see them: create (answered with 202 by the API), read, cancel. */
export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  /**
   * Creates a durable job (answered with 202 by the API). An explicit id list is stored with the job
   * before this resolves; a query is evaluated by the worker, within the owner's access scope. With an
   * idempotency key the same request answers the same job; a different request with a used key is
   * refused (`idempotency_conflict`).
   */
  async create(actor: Actor, input: CreateJobInput): Promise<{ job: Job; created: boolean }> {
    if (!mayChangeItems(actor)) throw new LazaretError('forbidden', 'This credential may not change items.');
    if ((input.ids === undefined) === (input.query === undefined)) {
      throw new LazaretError('validation_error', 'Give either ids or query, not both and not neither.');
    }
    if (input.query !== undefined) parseSearchQuery(input.query);
    if (input.ids !== undefined && input.ids.length === 0) {
      throw new LazaretError('validation_error', 'ids must not be empty.');
    }
    if (input.recipients && input.action !== 'release') {
      throw new LazaretError('validation_error', 'recipients apply to release only.');
    }
    const ids = input.ids === undefined ? undefined : distinctIds(input.ids);
    const at = this.deps.now().toISOString();
    const candidate: Job = {
      id: newId(),
      action: input.action,
      selection: input.query === undefined ? { kind: 'ids' } : { kind: 'query', query: input.query },
      options: { force: input.force, recipients: input.recipients },
      owner: actor,
      idempotencyKey: input.idempotencyKey ?? null,
      requestHash: fingerprint(input, ids),
      state: ids ? 'preparing' : 'queued',
      cancelRequested: false,
      total: 0,
      selectionComplete: false,
      selectionCursor: null,
      counters: zeroCounters(),
      cursor: 0,
      tenants: [],
      stats: null,
      error: null,
      lease: null,
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      finishedAt: null,
    };
    const { job, created } = await this.deps.jobs.createJob(candidate);
    if (!created && job.requestHash !== candidate.requestHash) {
      throw new LazaretError(
        'idempotency_conflict',
        'This Idempotency-Key was used before for a different request.',
        { jobId: job.id },
      );
    }
    let current = job;
    // Also when an earlier identical request died while storing the ids: finish its work.
    if (ids && current.state === 'preparing') {
      for (let start = 0; start < ids.length; start += APPEND_CHUNK) {
        const complete = start + APPEND_CHUNK >= ids.length;
        const next = await this.deps.jobs.appendItems(
          current.id,
          start + 1,
          ids.slice(start, start + APPEND_CHUNK),
          {
            selectionCursor: null,
            complete,
          },
        );
        if (!next) break;
        current = next;
      }
    }
    if (created) {
      this.deps.logger.info({
        event: 'JOB_CREATED',
        jobId: current.id,
        action: current.action,
        total: current.total,
      });
    }
    this.deps.wakeJobs();
    return { job: current, created };
  }

  /** A job the actor may see: its own, or any for an administrator; others answer not_found. */
  async visible(actor: Actor, id: string): Promise<Job> {
    const job = await this.deps.jobs.getJob(id);
    if (!job || !canSeeJob(actor, job)) {
      throw new LazaretError('not_found', 'No such job.', { jobId: id });
    }
    return job;
  }

  list(actor: Actor, page: PageRequest): Promise<Page<Job>> {
    return this.deps.jobs.listJobs(jobScope(actor), page);
  }

  async listItems(
    actor: Actor,
    id: string,
    filter: JobItemFilter,
    page: PageRequest,
  ): Promise<Page<JobItem>> {
    await this.visible(actor, id);
    return this.deps.jobs.listJobItems(id, filter, page);
  }

  /** Asks a job to stop; the worker records `cancelled` for every item not started. */
  async cancel(actor: Actor, id: string): Promise<Job> {
    await this.visible(actor, id);
    if (!mayChangeItems(actor)) throw new LazaretError('forbidden', 'This credential may not change items.');
    const job = await this.deps.jobs.requestCancel(id, this.deps.now().toISOString());
    if (!job) throw new LazaretError('not_found', 'No such job.', { jobId: id });
    this.deps.logger.info({ event: 'JOB_CANCEL_REQUESTED', jobId: id });
    this.deps.wakeJobs();
    return job;
  }
}
