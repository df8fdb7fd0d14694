import {
  type AccessRules,
  accessRules,
  type Decision,
  decideItem,
  type ItemAction,
} from '../auth/access-policy.js';
import { type AuditDeps, type AuditOrigin, audit } from '../auth/audit.js';
import type { Actor } from '../core/actor.js';
import { isLazaretError, LazaretError } from '../core/errors.js';
import type { ItemOutcome } from '../core/outcomes.js';
import type { QuarantineItem } from '../core/types.js';
import { type BulkActionInput, type CompatResult, runBulkAction } from './bulk/bulk-action.js';
import { BulkEngine, type EngineDeps, pagesOf } from './bulk/bulk-engine.js';
import { deleteItem } from './delete-item.js';
import { missingOutcome } from './item-outcome.js';
import { releaseItem } from './release/release-item.js';
import { denyRelease, requestRelease } from './release-requests.js';

export type ItemActionsDeps = Omit<EngineDeps, 'onFullDisk'> & AuditDeps;

/**
 * The item to act on: its id, or the item as the caller read it — with the policy's decision on it
 * for this very action when the caller made one (a digest link's plan) — so nothing reads or decides twice.
 */
export type ItemRef = string | { item: QuarantineItem; decision?: Decision };

/** Who acts, and from where (written into the audit entry). */
export type ActionOrigin = AuditOrigin & { actor: Actor };

/** What the audit entry of one item action says besides who and which item. */
interface AuditedAction {
  action: ItemAction;
  /** The audit entry's action: `item.release`, `item.delete`, … */
  auditAction: string;
  params: Record<string, unknown>;
}

/**
 * The one owner of every item action — release, approve, request, deny, delete, one item or many.
 * Each reads the item once, asks the access policy once, audits a denial, acts, audits the result
 * and maps outcomes; the API routes, digest links and the job runner are adapters over it.
 */
export class ItemActions {
  /** The configured access rules, read once: a decision per item is the only policy call per action. */
  private readonly rules: AccessRules;

  constructor(private readonly deps: ItemActionsDeps) {
    this.rules = accessRules(deps.config);
  }

  /** The one place a bulk engine is built (request bulk actions, digest links, jobs). */
  engine(onFullDisk?: () => void): BulkEngine {
    return new BulkEngine({ ...this.deps, ...(onFullDisk ? { onFullDisk } : {}) });
  }

  release(
    origin: ActionOrigin,
    ref: ItemRef,
    options: { force?: boolean; recipients?: string[] | undefined } = {},
    via: Record<string, unknown> = {},
  ): Promise<QuarantineItem> {
    const choice = {
      ...(options.force ? { force: true } : {}),
      ...(options.recipients ? { recipients: options.recipients } : {}),
    };
    return this.act(
      origin,
      ref,
      { action: 'release', auditAction: 'item.release', params: { ...via, ...choice } },
      (item, decision) => releaseItem(this.deps, item.id, origin.actor, { ...choice, item, decision }),
    );
  }

  approve(origin: ActionOrigin, id: string): Promise<QuarantineItem> {
    return this.act(
      origin,
      id,
      { action: 'approve_release', auditAction: 'item.release_approve', params: {} },
      (item, decision) => releaseItem(this.deps, id, origin.actor, { onlyRequested: true, item, decision }),
    );
  }

  requestRelease(
    origin: ActionOrigin,
    ref: ItemRef,
    note?: string,
    via: Record<string, unknown> = {},
  ): Promise<QuarantineItem> {
    return this.act(
      origin,
      ref,
      {
        action: 'request_release',
        auditAction: 'item.release_request',
        params: { ...via, ...(note ? { note } : {}) },
      },
      (item) => requestRelease(this.deps, item, origin.actor),
    );
  }

  deny(origin: ActionOrigin, id: string, reason?: string): Promise<QuarantineItem> {
    return this.act(
      origin,
      id,
      { action: 'deny_release', auditAction: 'item.release_deny', params: reason ? { reason } : {} },
      (item) => denyRelease(this.deps, item, origin.actor, reason),
    );
  }

  delete(origin: ActionOrigin, ref: ItemRef, via: Record<string, unknown> = {}): Promise<QuarantineItem> {
    return this.act(
      origin,
      ref,
      { action: 'delete', auditAction: 'item.delete', params: via },
      (item, decision) => deleteItem(this.deps, item.id, origin.actor, { item, decision }),
    );
  }

  /** A bulk release or delete of explicit ids inside the request (the compatible endpoints). */
  bulk(actor: Actor, input: BulkActionInput): Promise<CompatResult> {
    return runBulkAction(this.deps, this.engine(), actor, input);
  }

  /**
   * Releases many items through the engine (one SMTP transaction per message, batched store calls),
   * each audited as its own release with `params`. Answers every item's outcome.
   */
  async releaseEach(
    origin: ActionOrigin,
    ids: readonly string[],
    leaseOwner: string,
    params: Record<string, unknown>,
  ): Promise<{ outcome: ItemOutcome; item: QuarantineItem | null }[]> {
    if (ids.length === 0) return [];
    const outcomes = new Map<string, ItemOutcome>();
    await this.engine().run({
      action: 'release',
      actor: origin.actor,
      force: false,
      recipients: null,
      leaseOwner,
      pages: pagesOf(ids),
      onOutcome: (outcome) => outcomes.set(outcome.itemId, outcome),
    });
    const after = await this.deps.items.getItems(ids);
    const results = [];
    for (const id of ids) {
      const outcome = outcomes.get(id) ?? missingOutcome(id);
      const item = after.get(id) ?? null;
      await audit(this.deps, origin, {
        action: 'item.release',
        target: { itemIds: [id] },
        tenants: item ? [item.tenant] : [],
        params: { ...params, ...(outcome.code === 'ok' ? {} : { error: outcome.code }) },
        outcome: outcome.code === 'ok' ? 'ok' : outcome.code === 'forbidden' ? 'denied' : 'failed',
      });
      results.push({ outcome, item });
    }
    return results;
  }

  /** Audits that the actor was refused `auditAction` on an item (decided elsewhere: a digest link's plan). */
  async auditDenied(
    origin: ActionOrigin,
    itemId: string,
    item: QuarantineItem | null,
    auditAction: string,
    params: Record<string, unknown>,
  ): Promise<void> {
    await audit(this.deps, origin, {
      action: auditAction,
      target: { itemIds: [itemId] },
      tenants: item ? [item.tenant] : [],
      params: { ...params },
      outcome: 'denied',
    });
  }

  /**
   * Runs one audited action on one item: the policy decides once (404 for what the actor may not
   * see, 403 — audited as denied — for what they may not do), then `work` on the item as read,
   * audited as ok or failed.
   */
  private async act(
    origin: ActionOrigin,
    ref: ItemRef,
    what: AuditedAction,
    work: (item: QuarantineItem, decision: Decision) => Promise<QuarantineItem>,
  ): Promise<QuarantineItem> {
    const id = typeof ref === 'string' ? ref : ref.item.id;
    const item = typeof ref === 'string' ? await this.deps.items.getItem(id) : ref.item;
    const decision =
      (typeof ref === 'string' ? undefined : ref.decision) ??
      decideItem(origin.actor, item, what.action, this.rules);
    const entry = {
      action: what.auditAction,
      target: { itemIds: [id] },
      tenants: item ? [item.tenant] : [],
      params: what.params,
    };
    if (!decision.allowed) {
      // A hidden item's answer carries nothing, not even the id asked for, so bodies never name foreign items.
      if (decision.code === 'not_found') throw new LazaretError('not_found', decision.reason);
      await audit(this.deps, origin, { ...entry, outcome: 'denied' });
      throw new LazaretError(decision.code, decision.reason, {
        itemId: id,
        canRequest: decision.canRequest ?? false,
      });
    }
    try {
      const done = await work(item!, decision);
      await audit(this.deps, origin, entry);
      return done;
    } catch (error) {
      if (isLazaretError(error)) {
        await audit(this.deps, origin, {
          ...entry,
          outcome: 'failed',
          params: { ...what.params, error: error.code },
        });
      }
      throw error;
    }
  }
}
