import { BulkEngine, pagesOf } from '../actions/bulk/bulk-engine.js';
import { deleteItem } from '../actions/delete-item.js';
import { releaseItem } from '../actions/release/release-item.js';
import { requestRelease } from '../actions/release-requests.js';
import { type AppContext, accessRules } from '../app-context.js';
import { decideItem, type ItemAction } from '../auth/access-policy.js';
import type { Actor } from '../auth/actor.js';
import { type AuditOrigin, audit } from '../auth/audit.js';
import { sessionActor } from '../auth/authenticate.js';
import { eachLimited } from '../core/each-limited.js';
import { type ErrorCode, isLazaretError, LazaretError } from '../core/errors.js';
import type { ItemOutcome } from '../core/outcomes.js';
import type { QuarantineItem } from '../core/types.js';
import { putListEntry } from '../lists/list-admin.js';
import { fromHeaderAddress } from '../lists/sender-patterns.js';
import type { ListAction } from '../store/sender-list-store.js';
import type { UserRecord } from '../store/user-store.js';
import type { LinkClaims } from './link-token.js';

/** A verified link: its claims, the person it was sent to, and them as the actor who acts. */
export interface OpenedLink {
  claims: LinkClaims;
  user: UserRecord;
  actor: Actor;
}

/**
 * Checks a link: signature and expiry (`link_invalid`, `link_expired`), that its person still exists
 * and may sign in (`link_invalid`), and that the browser is not signed in as someone else
 * (`link_wrong_user`). Changes nothing.
 */
export async function openLink(
  context: AppContext,
  token: string,
  signedInUserId: string | null,
): Promise<OpenedLink> {
  const claims = context.links.verify(token, context.now());
  const user = await context.users.getUser(claims.userId);
  if (!user || user.disabled) {
    throw new LazaretError(
      'link_invalid',
      'This link is no longer valid: the account it was sent to is closed.',
    );
  }
  if (signedInUserId !== null && signedInUserId !== user.id) {
    throw new LazaretError(
      'link_wrong_user',
      `This link was sent to ${user.email}, but this browser is signed in to Lazaret as someone else.`,
      { linkUser: user.email },
    );
  }
  const actor = sessionActor(user, context.config.access.userRelease);
  return { claims, user, actor: { ...actor, label: `${user.email} (digest link)` } };
}

/** What confirming would do to one item, or why it would not. */
export type ItemPlan =
  | { itemId: string; item: QuarantineItem; will: 'release' | 'request_release' | 'delete' }
  | { itemId: string; item: QuarantineItem | null; wont: ErrorCode; reason: string };

/** The sender list change a link makes besides its item action. */
export interface SenderPlan {
  action: ListAction;
  /** The address allowed or blocked; null when the message has no sender address at all. */
  sender: string | null;
  /** Whose list: the person's own, or (for administrators' copies) the recipient's domain. */
  scope: 'user' | 'domain';
  domain?: string;
}

export interface LinkPlan {
  items: ItemPlan[];
  sender: SenderPlan | null;
}

function wont(itemId: string, item: QuarantineItem | null, code: ErrorCode, reason: string): ItemPlan {
  return { itemId, item, wont: code, reason };
}

function planItem(
  context: AppContext,
  actor: Actor,
  itemId: string,
  item: QuarantineItem | null,
  deleting: boolean,
): ItemPlan {
  const rules = accessRules(context);
  const action: ItemAction = deleting ? 'delete' : 'release';
  const decision = decideItem(actor, item, action, rules);
  if (!decision.allowed && decision.code === 'not_found') {
    return wont(itemId, null, 'not_found', 'This message is not in your quarantine (any more).');
  }
  const visible = item!;
  if (visible.status === 'deleted' || visible.status === 'expired') {
    return wont(itemId, visible, 'already_deleted', 'This message was deleted already.');
  }
  if (visible.status === 'releasing') {
    return wont(itemId, visible, 'conflict', 'This message is being released right now.');
  }
  if (deleting) return { itemId, item: visible, will: 'delete' };
  if (visible.status === 'released') {
    return wont(itemId, visible, 'already_released', 'This message was released already.');
  }
  if (!decision.allowed) {
    if (!decision.canRequest) return wont(itemId, visible, 'forbidden', decision.reason);
    if (visible.status === 'release_requested') {
      return wont(itemId, visible, 'already_requested', 'Release of this message was requested already.');
    }
    return { itemId, item: visible, will: 'request_release' };
  }
  if (visible.lastError?.code === 'interrupted') {
    return wont(
      itemId,
      visible,
      'interrupted',
      'An earlier release of this message was cut off and may have been delivered; decide in Lazaret itself.',
    );
  }
  return { itemId, item: visible, will: 'release' };
}

/** Works out what confirming the link would do, item by item. Reads only. */
export async function planLink(context: AppContext, opened: OpenedLink): Promise<LinkPlan> {
  const { claims, actor } = opened;
  const found = await context.items.getItems(claims.itemIds);
  const deleting = claims.action === 'delete' || claims.action === 'delete_block';
  const items = claims.itemIds.map((id) => planItem(context, actor, id, found.get(id) ?? null, deleting));
  let sender: SenderPlan | null = null;
  if (claims.action === 'release_allow' || claims.action === 'delete_block') {
    const item = items[0]?.item;
    if (item) {
      const address = fromHeaderAddress(item.fromHeader) ?? (item.sender || null);
      const listAction: ListAction = claims.action === 'release_allow' ? 'allow' : 'block';
      sender =
        actor.role === 'user'
          ? { action: listAction, sender: address, scope: 'user' }
          : { action: listAction, sender: address, scope: 'domain', domain: item.tenant };
    }
  }
  return { items, sender };
}

/** What happened to one item. */
export interface ItemResult {
  itemId: string;
  item: QuarantineItem | null;
  /** `ok`, or the stable error code of why not. */
  code: 'ok' | ErrorCode;
  done?: 'released' | 'release_requested' | 'deleted';
  message: string;
}

export interface LinkResult {
  items: ItemResult[];
  sender: (SenderPlan & { code: 'ok' | ErrorCode; message: string }) | null;
}

/**
 * "Release all": the items to release go through the bulk engine (one SMTP transaction per message,
 * batched store calls), each audited as its own release.
 */
async function releaseThroughEngine(
  context: AppContext,
  origin: AuditOrigin & { actor: Actor },
  ids: readonly string[],
): Promise<Map<string, ItemResult>> {
  const results = new Map<string, ItemResult>();
  if (ids.length === 0) return results;
  const outcomes = new Map<string, ItemOutcome>();
  await new BulkEngine(context).run({
    action: 'release',
    actor: origin.actor,
    force: false,
    recipients: null,
    leaseOwner: `${context.nodeName}/link`,
    pages: pagesOf(ids),
    onOutcome: (outcome) => outcomes.set(outcome.itemId, outcome),
  });
  const after = await context.items.getItems(ids);
  for (const id of ids) {
    const outcome = outcomes.get(id) ?? {
      itemId: id,
      code: 'store_error' as const,
      message: 'No outcome recorded.',
    };
    const item = after.get(id) ?? null;
    await audit(context, origin, {
      action: 'item.release',
      target: { itemIds: [id] },
      tenants: item ? [item.tenant] : [],
      params: { via: 'digest_link', ...(outcome.code === 'ok' ? {} : { error: outcome.code }) },
      outcome: outcome.code === 'ok' ? 'ok' : outcome.code === 'forbidden' ? 'denied' : 'failed',
    });
    results.set(id, {
      itemId: id,
      item,
      code: outcome.code,
      ...(outcome.code === 'ok' ? { done: 'released' as const } : {}),
      message: outcome.code === 'ok' ? '' : outcome.message,
    });
  }
  return results;
}

/** Most items of one link acted on at once. */
const CONCURRENCY = 4;

async function performItem(
  context: AppContext,
  origin: AuditOrigin & { actor: Actor },
  plan: ItemPlan,
): Promise<ItemResult> {
  const entryFor = (auditAction: string, item: QuarantineItem | null) => ({
    action: auditAction,
    target: { itemIds: [plan.itemId] },
    tenants: item ? [item.tenant] : [],
    params: { via: 'digest_link' },
  });
  if ('wont' in plan) {
    if (plan.wont === 'forbidden') {
      await audit(context, origin, { ...entryFor('item.release', plan.item), outcome: 'denied' });
    }
    return { itemId: plan.itemId, item: plan.item, code: plan.wont, message: plan.reason };
  }
  const auditAction =
    plan.will === 'release'
      ? 'item.release'
      : plan.will === 'delete'
        ? 'item.delete'
        : 'item.release_request';
  try {
    let item: QuarantineItem;
    if (plan.will === 'release') {
      item = await releaseItem(context, plan.itemId, origin.actor);
    } else if (plan.will === 'delete') {
      item = await deleteItem(context, plan.itemId, origin.actor);
    } else {
      item = await requestRelease(context, plan.itemId, origin.actor);
    }
    await audit(context, origin, entryFor(auditAction, item));
    const done =
      plan.will === 'release' ? 'released' : plan.will === 'delete' ? 'deleted' : 'release_requested';
    return { itemId: plan.itemId, item, code: 'ok', done, message: '' };
  } catch (error) {
    if (!isLazaretError(error)) throw error;
    await audit(context, origin, {
      ...entryFor(auditAction, plan.item),
      outcome: 'failed',
      params: { via: 'digest_link', error: error.code },
    });
    return { itemId: plan.itemId, item: plan.item, code: error.code, message: error.message };
  }
}

/**
 * Does what the link asks, as its person, under the same access policy and audit as the API. Safe to
 * repeat: an item released, requested or deleted already answers so (`already_released`, …) and
 * nothing is sent twice; the sender list entry is simply put again.
 */
export async function performLink(context: AppContext, opened: OpenedLink, ip: string): Promise<LinkResult> {
  const plan = await planLink(context, opened);
  const origin = { actor: opened.actor, ip };
  const results: ItemResult[] = new Array(plan.items.length);
  const released =
    opened.claims.action === 'release_all'
      ? await releaseThroughEngine(
          context,
          origin,
          plan.items.filter((each) => 'will' in each && each.will === 'release').map((each) => each.itemId),
        )
      : new Map<string, ItemResult>();
  await eachLimited(plan.items, CONCURRENCY, async (item, index) => {
    results[index] = released.get(item.itemId) ?? (await performItem(context, origin, item));
  });

  let sender: LinkResult['sender'] = null;
  if (plan.sender) {
    if (plan.sender.sender === null) {
      sender = {
        ...plan.sender,
        code: 'validation_error',
        message: 'The message has no sender address to list.',
      };
    } else {
      try {
        await putListEntry(
          context,
          origin,
          {
            scope: plan.sender.scope,
            ...(plan.sender.domain ? { domain: plan.sender.domain } : {}),
            action: plan.sender.action,
            sender: plan.sender.sender,
          },
          { via: 'digest_link' },
        );
        sender = { ...plan.sender, code: 'ok', message: '' };
      } catch (error) {
        if (!isLazaretError(error)) throw error;
        sender = { ...plan.sender, code: error.code, message: error.message };
      }
    }
  }
  return { items: results, sender };
}
