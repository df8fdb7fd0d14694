import type { Logger } from 'pino';
import { mayChangeItems } from '../../auth/access-policy.js';
import type { AuditDeps } from '../../auth/audit.js';
import type { Actor } from '../../core/actor.js';
import { LazaretError } from '../../core/errors.js';
import { type ItemOutcome, zeroCounters } from '../../core/outcomes.js';
import type { JobAction } from '../../store/job-store.js';
import { missingOutcome } from '../item-outcome.js';
import { auditBulk } from './bulk-audit.js';
import { type BulkEngine, pagesOf } from './bulk-engine.js';

export interface BulkActionInput {
  action: JobAction;
  ids: readonly string[];
  force: boolean;
  recipients: string[] | null;
  ip?: string;
}

/** The answer of the compatible endpoints, as the original API gave it. */
export interface CompatResult {
  success: boolean;
  results: { messageId: string; success: true; status: string }[];
  errors: { messageId: string; error: string; code: string; reply?: string }[];
  summary: { requested: number; succeeded: number; failed: number; duplicates: number };
}

/** Ids in first-seen order, each once. */
export function distinctIds(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * A bulk release or delete of explicit ids inside the request (the compatible endpoints, up to
 * `bulk.syncLimit` ids): the same engine as jobs, one audit entry with the counts.
 */
export async function runBulkAction(
  deps: AuditDeps & { logger: Logger; nodeName: string },
  engine: BulkEngine,
  actor: Actor,
  input: BulkActionInput,
): Promise<CompatResult> {
  if (!mayChangeItems(actor)) throw new LazaretError('forbidden', 'This credential may not change items.');
  const ids = distinctIds(input.ids);
  const outcomes = new Map<string, ItemOutcome>();
  await engine.run({
    action: input.action,
    actor,
    force: input.force,
    recipients: input.recipients,
    leaseOwner: `${deps.nodeName}/bulk`,
    pages: pagesOf(ids),
    onOutcome: (outcome) => outcomes.set(outcome.itemId, outcome),
  });

  const counters = zeroCounters();
  const result: CompatResult = {
    success: true,
    results: [],
    errors: [],
    summary: { requested: ids.length, succeeded: 0, failed: 0, duplicates: input.ids.length - ids.length },
  };
  for (const id of ids) {
    const outcome = outcomes.get(id) ?? missingOutcome(id);
    counters[outcome.code] += 1;
    if (outcome.code === 'ok') {
      result.results.push({
        messageId: id,
        success: true,
        status: outcome.status ?? (input.action === 'release' ? 'released' : 'deleted'),
      });
    } else {
      result.errors.push({
        messageId: id,
        error: outcome.message,
        code: outcome.code,
        ...(outcome.reply === undefined ? {} : { reply: outcome.reply }),
      });
    }
  }
  result.summary.succeeded = result.results.length;
  result.summary.failed = result.errors.length;
  result.success = result.errors.length === 0;

  const stats = engine.stats();
  deps.logger.info({
    event: 'BULK_ACTION_DONE',
    action: input.action,
    requested: ids.length,
    counts: counters,
    window: stats.window,
    throttled: stats.throttled,
  });
  await auditBulk(deps, {
    actor,
    action: `items.bulk_${input.action}`,
    itemIds: ids,
    tenants: [...outcomes.values()].flatMap((outcome) => (outcome.tenant ? [outcome.tenant] : [])),
    params: {
      requested: ids.length,
      ...(input.force ? { force: true } : {}),
      ...(input.recipients ? { recipients: input.recipients } : {}),
    },
    counters,
    ...(input.ip ? { ip: input.ip } : {}),
  });
  return result;
}
