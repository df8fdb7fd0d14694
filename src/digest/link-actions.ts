import type { ActionOrigin, ItemActions } from '../actions/item-actions.js';
import { type Decision, decideItem, type ItemAction, isAdministrator } from '../auth/access-policy.js';
import { sessionActor } from '../auth/authenticate.js';
import type { Config } from '../config/load-config.js';
import type { Actor } from '../core/actor.js';
import { eachLimited } from '../core/each-limited.js';
import { type ErrorCode, isLazaretError, LazaretError } from '../core/errors.js';
import type { QuarantineItem } from '../core/types.js';
import { type ListAdminDeps, putListEntry } from '../lists/list-admin.js';
import { fromHeaderAddress } from '../lists/sender-patterns.js';
import type { ItemStore } from '../store/item-store.js';
import type { ListAction } from '../store/sender-list-store.js';
import type { UserRecord, UserStore } from '../store/user-store.js';
import type { LinkClaims, LinkSigner } from './link-token.js';

/** What digest links use: the signer, the people, the items, and the one owner of item actions. */
export interface LinkActionDeps extends ListAdminDeps {
  config: Pick<Config, 'access'>;
  links: Pick<LinkSigner, 'verify'>;
  users: UserStore;
  items: Pick<ItemStore, 'getItems'>;
  actions: ItemActions;
  nodeName: string;
  now: () => Date;
}

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
  context: LinkActionDeps,
  token: string,
  signedInUserId: string | null,
): Promise<OpenedLink> {
  const claims = context.links.verify(token, context.now());
  const user = await context.users.getUser(claims.userId);
  if (!user || user.disabled) {
    throw new LazaretError(
      'link_invalid',
      'This link is no longer valid: the account it was sent to is closed.',
      { reason: 'account_closed' },
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
  | {
      itemId: string;
      item: QuarantineItem;
      will: 'release' | 'request_release' | 'delete';
      /** The policy's decision for this very action, when the plan asked it (release, delete). */
      decision?: Decision;
    }
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
  context: LinkActionDeps,
  actor: Actor,
  itemId: string,
  item: QuarantineItem | null,
  deleting: boolean,
): ItemPlan {
  const rules = { malwareRelease: context.config.access.malwareRelease };
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
  if (deleting) return { itemId, item: visible, will: 'delete', decision };
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
  return { itemId, item: visible, will: 'release', decision };
}

/** Works out what confirming the link would do, item by item. Reads only. */
export async function planLink(context: LinkActionDeps, opened: OpenedLink): Promise<LinkPlan> {
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
      sender = isAdministrator(actor)
        ? { action: listAction, sender: address, scope: 'domain', domain: item.tenant }
        : { action: listAction, sender: address, scope: 'user' };
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
  context: LinkActionDeps,
  origin: ActionOrigin,
  ids: readonly string[],
): Promise<Map<string, ItemResult>> {
  const released = await context.actions.releaseEach(origin, ids, `${context.nodeName}/link`, {
    via: 'digest_link',
  });
  const results = new Map<string, ItemResult>();
  for (const { outcome, item } of released) {
    results.set(outcome.itemId, {
      itemId: outcome.itemId,
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
  context: LinkActionDeps,
  origin: ActionOrigin,
  plan: ItemPlan,
): Promise<ItemResult> {
  const via = { via: 'digest_link' };
  if ('wont' in plan) {
    if (plan.wont === 'forbidden')
      await context.actions.auditDenied(origin, plan.itemId, plan.item, 'item.release', via);
    return { itemId: plan.itemId, item: plan.item, code: plan.wont, message: plan.reason };
  }
  const read = { item: plan.item, ...(plan.decision ? { decision: plan.decision } : {}) };
  try {
    const item =
      plan.will === 'release'
        ? await context.actions.release(origin, read, {}, via)
        : plan.will === 'delete'
          ? await context.actions.delete(origin, read, via)
          : await context.actions.requestRelease(origin, read, undefined, via);
    const done =
      plan.will === 'release' ? 'released' : plan.will === 'delete' ? 'deleted' : 'release_requested';
    return { itemId: plan.itemId, item, code: 'ok', done, message: '' };
  } catch (error) {
    if (!isLazaretError(error)) throw error;
    return { itemId: plan.itemId, item: plan.item, code: error.code, message: error.message };
  }
}

/**
 * Does what the link asks, as its person, under the same access policy and audit as the API. Safe to
 * repeat: an item released, requested or deleted already answers so (`already_released`, …) and
 * nothing is sent twice; the sender list entry is simply put again.
 */
export async function performLink(
  context: LinkActionDeps,
  opened: OpenedLink,
  ip: string,
): Promise<LinkResult> {
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
