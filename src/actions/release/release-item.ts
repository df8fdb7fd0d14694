import { PassThrough, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import { type AccessRules, canSee, DEFAULT_ACCESS_RULES, decideItem } from '../../auth/access-policy.js';
import type { Actor } from '../../auth/actor.js';
import type { Config } from '../../config/load-config.js';
import { isStoreFailure, LazaretError } from '../../core/errors.js';
import { headerText } from '../../core/header-text.js';
import type { ItemOutcome } from '../../core/outcomes.js';
import type { Lease, QuarantineItem } from '../../core/types.js';
import type { Learner } from '../../learning/learner.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { ItemStore } from '../../store/item-store.js';
import type { Limiter } from '../bulk/limiter.js';
import type { TransitionPort } from '../bulk/store-batcher.js';
import { type LoggedItemAction, logItemAction } from '../item-log.js';
import type { SmtpRelay } from './smtp-relay.js';

/** How 4xx answers are retried: `attempts` in all, waiting retryBaseMs, then twice that, and so on. */
export interface DeliveryPolicy {
  attempts: number;
  retryBaseMs: number;
}

export interface ReleaseDeps {
  config: Pick<Config, 'access'>;
  items: ItemStore;
  blobs: BlobStore;
  relay: SmtpRelay;
  logger: Logger;
  now: () => Date;
  nodeName: string;
  leaseMs: number;
  delivery: DeliveryPolicy;
  /** Bounds SMTP transactions in flight across the process (the relay pool's size). */
  smtpLimiter: Limiter;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Aborted when the shutdown deadline passes (`shutdownTimeoutMs`): no further attempt starts, a wait
   * for a retry ends, and a delivery the cut connection left unanswered is recorded `interrupted`.
   */
  stopping?: AbortSignal;
  /** Told of every item released, whatever released it: the spam filter learns them as ham. */
  learner?: Pick<Learner, 'released'>;
}

/** What a release is asked to do, the same for one item and for a bulk action. */
export interface ReleaseRequest {
  actor: Actor;
  /** Send again although released already or interrupted before. */
  force: boolean;
  /** Deliver to these addresses instead of each item's recipient. */
  recipients: string[] | null;
  /** Written into each claimed item's lease: who is sending it. */
  leaseOwner: string;
  /** Leases of a worker known to be gone (a job taken over), treated as expired. */
  isAbandonedLease?: (lease: Lease) => boolean;
  /** The job doing the release, recorded in the item's release info. */
  jobId?: string;
  /** The configurable access rules (who may release malware). */
  rules?: AccessRules;
  /** Approving a request: only an item in `release_requested` is released. */
  onlyRequested?: boolean;
}

export interface ReleaseOptions {
  force?: boolean;
  recipients?: string[];
  /** Approving a request: release only an item in `release_requested` (else `not_requested`). */
  onlyRequested?: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with `wait`, or as soon as `signal` aborts. */
async function untilAborted(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return wait;
  if (signal.aborted) return;
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
  });
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([wait, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * One trace header naming the released items; folded so no line passes SMTP's 998-octet limit, and
 * printable ASCII only: the actor's label (an email, a token's name) goes through headerText.
 */
export function traceHeader(itemIds: readonly string[], actorLabel: string, at: string): Buffer {
  const ids = itemIds.map((id, index) => `${id}${index < itemIds.length - 1 ? ',' : ';'}`);
  // The label may be several encoded words: each is a place to fold, like the gaps between ids.
  const by = headerText(actorLabel.replace(/;/g, ' ')).split(' ');
  const pieces = [...ids, ...by.map((word, index) => `${index === 0 ? ' by=' : ' '}${word}`), `; at=${at}`];
  const lines: string[] = [];
  let line = 'X-Lazaret-Release: item=';
  for (const piece of pieces) {
    if (line.length + piece.length > 900) {
      lines.push(line);
      line = piece.startsWith(' ') ? '' : ' ';
    }
    line += piece;
  }
  lines.push(line);
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

/** The raw message with the trace header in front; the original bytes follow unchanged. */
export async function releaseStream(blobs: BlobStore, messageId: string, trace: Buffer): Promise<Readable> {
  const body = await blobs.get(messageId);
  // pipe() rather than an async generator: per message, async iteration of a stream costs an
  // AbortController and a DOMException, a visible share of a bulk release's CPU.
  const stream = new PassThrough();
  stream.write(trace);
  body.once('error', (error) => stream.destroy(error));
  return body.pipe(stream);
}

function leaseEnded(
  item: QuarantineItem,
  now: Date,
  request: { isAbandonedLease?: (lease: Lease) => boolean },
) {
  if (item.lease === null || item.lease.until <= now.toISOString()) return true;
  return request.isAbandonedLease?.(item.lease) ?? false;
}

function outcome(
  item: QuarantineItem | null,
  itemId: string,
  code: ItemOutcome['code'],
  message: string,
  extra: Partial<ItemOutcome> = {},
): ItemOutcome {
  return {
    itemId,
    code,
    message,
    ...(item ? { status: item.status, tenant: item.tenant } : {}),
    ...extra,
  };
}

/**
 * An item left in `releasing` by an attempt whose lease ran out (its process died) goes back to
 * quarantine marked interrupted: it may have been delivered, so it is never resent without `force`.
 * Answers the item as it is afterwards (also when someone else changed it first).
 */
export async function markInterrupted(
  port: TransitionPort,
  deps: { logger: Logger; now: () => Date },
  item: QuarantineItem,
): Promise<QuarantineItem | null> {
  const at = deps.now().toISOString();
  const result = await port.transition(
    item.id,
    { status: ['releasing'], version: item.version },
    {
      status: 'quarantined',
      at,
      lease: null,
      lastError: {
        code: 'interrupted',
        detail: `Release by ${item.lease?.owner ?? 'an unknown process'} did not finish; the message may have been delivered.`,
        at,
      },
    },
  );
  if (result.ok) {
    deps.logger.warn({ event: 'RELEASE_INTERRUPTED', itemId: item.id, owner: item.lease?.owner });
    return result.item;
  }
  return result.current;
}

/** Why an item the actor can see cannot be claimed for release now, or null when it can. */
function refusal(item: QuarantineItem, request: ReleaseRequest, now: Date): ItemOutcome | null {
  const decision = decideItem(request.actor, item, 'release', request.rules ?? DEFAULT_ACCESS_RULES);
  if (!decision.allowed) return outcome(item, item.id, decision.code, decision.reason);
  if (request.onlyRequested && item.status !== 'release_requested') {
    return outcome(item, item.id, 'conflict', 'No release of this item is waiting for a decision.');
  }
  if (item.status === 'deleted' || item.status === 'expired') {
    return outcome(item, item.id, 'already_deleted', 'The item was deleted; its message is gone.');
  }
  if (item.status === 'released' && request.jobId !== undefined && item.release?.jobId === request.jobId) {
    // Released by an earlier run of this same job whose outcome was not stored before it stopped.
    return outcome(item, item.id, 'ok', 'Released.', {
      reply: item.release.reply,
      ...(item.release.attempts ? { attempts: item.release.attempts } : {}),
    });
  }
  if (item.status === 'released' && !request.force) {
    return outcome(
      item,
      item.id,
      'already_released',
      'The item was released already; use force to send it again.',
      {
        ...(item.release ? { reply: item.release.reply } : {}),
      },
    );
  }
  if (item.status === 'releasing' && !leaseEnded(item, now, request)) {
    return outcome(item, item.id, 'conflict', 'The item is being released right now.');
  }
  if (item.status !== 'releasing' && item.lastError?.code === 'interrupted' && !request.force) {
    return outcome(
      item,
      item.id,
      'interrupted',
      'An earlier release of this item was interrupted and may have been delivered; use force to send it again.',
    );
  }
  return null;
}

export type ClaimResult = { claimed: QuarantineItem } | { outcome: ItemOutcome };

/**
 * Claims one item for release with a lease (a conditional write, so two callers can never both
 * send it). `item` is the item as read (undefined: read it here). A claim that loses a race is
 * judged again on the item as it is now, once.
 */
export async function claimForRelease(
  port: TransitionPort,
  deps: { items: ItemStore; logger: Logger; now: () => Date; leaseMs: number },
  itemId: string,
  item: QuarantineItem | null | undefined,
  request: ReleaseRequest,
): Promise<ClaimResult & { item?: QuarantineItem | null }> {
  const result = await claim(port, deps, itemId, item, request);
  if ('outcome' in result) {
    logItemAction(deps.logger, {
      action: releaseAction(request),
      actor: request.actor,
      itemId,
      item: result.item ?? null,
      outcome: result.outcome.code,
      jobId: request.jobId,
    });
  }
  return result;
}

function releaseAction(request: ReleaseRequest): LoggedItemAction {
  return request.onlyRequested ? 'release_approve' : 'release';
}

async function claim(
  port: TransitionPort,
  deps: { items: ItemStore; logger: Logger; now: () => Date; leaseMs: number },
  itemId: string,
  item: QuarantineItem | null | undefined,
  request: ReleaseRequest,
): Promise<ClaimResult & { item?: QuarantineItem | null }> {
  let current = item === undefined ? await deps.items.getItem(itemId) : item;
  for (let round = 0; round < 3; round += 1) {
    if (!current || !canSee(request.actor, current))
      return { outcome: outcome(null, itemId, 'not_found', 'No such item.') };
    const now = deps.now();
    const refused = refusal(current, request, now);
    if (refused) return { outcome: refused, item: current };
    if (current.status === 'releasing') {
      current = await markInterrupted(port, deps, current);
      continue;
    }
    const claim = await port.transition(
      itemId,
      { status: [current.status], version: current.version },
      {
        status: 'releasing',
        at: now.toISOString(),
        lease: { owner: request.leaseOwner, until: new Date(now.getTime() + deps.leaseMs).toISOString() },
      },
    );
    if (claim.ok) return { claimed: claim.item };
    current = claim.current;
  }
  return {
    outcome: outcome(current, itemId, 'conflict', 'The item changed while it was being claimed; try again.'),
    item: current,
  };
}

/** How the downstream answered for one item after all attempts. */
export type DeliveryVerdict =
  | {
      kind: 'accepted';
      to: string[];
      reply: string;
      attempts: number;
      refused: { recipient: string; reply: string }[];
    }
  | { kind: 'delivery_deferred' | 'delivery_rejected' | 'store_error'; reply: string; attempts: number }
  /** Shutdown cut the release off: `sent` when the message was on its way (it may have been delivered). */
  | { kind: 'interrupted'; sent: boolean; reply: string; attempts: number };

type RecipientState =
  | { state: 'accepted'; reply: string; attempt: number }
  | { state: 'rejected'; reply: string; attempt: number }
  | { state: 'pending'; reply: string };

/**
 * Delivers claimed items of ONE message in one SMTP transaction per attempt (all their recipients
 * together) and maps the per-recipient answers back to the items. 4xx answers (and failures to
 * connect) are retried for the recipients concerned with exponential back-off; 5xx answers are final.
 */
export async function deliverClaimed(
  deps: ReleaseDeps,
  claimed: readonly QuarantineItem[],
  request: ReleaseRequest,
  counters: { smtpTransactions: number } = { smtpTransactions: 0 },
): Promise<Map<string, DeliveryVerdict>> {
  const first = claimed[0]!;
  const recipientsOf = (item: QuarantineItem) => request.recipients ?? [item.recipient];
  const states = new Map<string, RecipientState>();
  for (const item of claimed)
    for (const address of recipientsOf(item))
      states.set(address.toLowerCase(), { state: 'pending', reply: '' });
  const at = deps.now().toISOString();
  const trace = traceHeader(
    claimed.map((item) => item.id),
    request.actor.label,
    at,
  );
  const sleep = deps.sleep ?? defaultSleep;
  const verdicts = new Map<string, DeliveryVerdict>();
  let attempts = 0;
  /** Where shutdown cut in: before anything was sent, or while a transaction was unanswered. */
  let cut: 'before_send' | 'in_flight' | null = null;

  for (let attempt = 1; attempt <= deps.delivery.attempts; attempt += 1) {
    const pending = [...states].filter(([, state]) => state.state === 'pending').map(([address]) => address);
    if (pending.length === 0) break;
    if (attempt > 1) await untilAborted(sleep(deps.delivery.retryBaseMs * 2 ** (attempt - 2)), deps.stopping);
    // After a 4xx the pending recipients were not delivered: they end deferred, as when attempts run out.
    if (deps.stopping?.aborted) {
      if (attempt === 1) cut = 'before_send';
      break;
    }
    attempts = attempt;
    counters.smtpTransactions += 1;
    let result: Awaited<ReturnType<SmtpRelay['deliver']>>;
    try {
      result = await deps.smtpLimiter.run(async () => {
        const raw = await releaseStream(deps.blobs, first.messageId, trace);
        return deps.relay.deliver({ from: first.sender, to: pending, raw, signal: deps.stopping });
      });
    } catch (error) {
      const reply = `Could not read the stored message: ${(error as Error).message}`;
      deps.logger.error({ event: 'RELEASE_BLOB_UNREADABLE', messageId: first.messageId, err: error });
      for (const item of claimed) verdicts.set(item.id, { kind: 'store_error', reply, attempts: attempt });
      return verdicts;
    }
    if (deps.stopping?.aborted && result.kind === 'failed' && result.responseCode === null) {
      // The connection was cut with the transaction unanswered: the downstream may have taken it.
      cut = 'in_flight';
      break;
    }
    const refusedBy = new Map(result.refused.map((refusal) => [refusal.recipient.toLowerCase(), refusal]));
    for (const address of pending) {
      const refusal = refusedBy.get(address);
      if (refusal) {
        states.set(
          address,
          refusal.responseCode >= 500
            ? { state: 'rejected', reply: refusal.reply, attempt }
            : { state: 'pending', reply: refusal.reply },
        );
      } else if (result.kind === 'accepted') {
        states.set(address, { state: 'accepted', reply: result.reply, attempt });
      } else {
        states.set(
          address,
          result.temporary
            ? { state: 'pending', reply: result.reply }
            : { state: 'rejected', reply: result.reply, attempt },
        );
      }
    }
  }

  for (const item of claimed) {
    const mine = recipientsOf(item).map((address) => [address, states.get(address.toLowerCase())!] as const);
    const accepted = mine.filter(([, state]) => state.state === 'accepted');
    const others = mine.filter(([, state]) => state.state !== 'accepted');
    if (accepted.length > 0) {
      verdicts.set(item.id, {
        kind: 'accepted',
        to: accepted.map(([address]) => address),
        reply: accepted[0]![1].reply,
        attempts: Math.max(...accepted.map(([, state]) => (state as { attempt: number }).attempt)),
        refused: others.map(([recipient, state]) => ({ recipient, reply: state.reply })),
      });
      continue;
    }
    const deferred = others.find(([, state]) => state.state === 'pending');
    if (deferred && cut) {
      verdicts.set(item.id, {
        kind: 'interrupted',
        sent: cut === 'in_flight',
        reply:
          cut === 'in_flight'
            ? 'The shutdown deadline cut the connection before the mail server answered.'
            : '',
        attempts,
      });
      continue;
    }
    const [, decisive] = deferred ?? others[0]!;
    verdicts.set(item.id, {
      kind: deferred ? 'delivery_deferred' : 'delivery_rejected',
      reply: decisive.reply,
      attempts: deferred ? attempts : (decisive as { attempt: number }).attempt,
    });
  }
  return verdicts;
}

/**
 * Records how delivery went: `released` only after a 2xx; otherwise back where it was (quarantined,
 * or released for a forced resend) with the reply in lastError.
 */
export async function recordDelivery(
  port: TransitionPort,
  deps: { logger: Logger; now: () => Date; learner?: Pick<Learner, 'released'> | undefined },
  claimed: QuarantineItem,
  verdict: DeliveryVerdict,
  request: ReleaseRequest,
): Promise<{ outcome: ItemOutcome; item: QuarantineItem | null }> {
  const at = deps.now().toISOString();
  const expected = { status: ['releasing'] as const, version: claimed.version };
  const line = {
    action: releaseAction(request),
    actor: request.actor,
    itemId: claimed.id,
    item: claimed,
    jobId: request.jobId,
  };
  if (verdict.kind === 'accepted') {
    const partial = verdict.refused[0];
    const done = await port.transition(
      claimed.id,
      { ...expected, status: [...expected.status] },
      {
        status: 'released',
        at,
        lease: null,
        lastError: partial
          ? {
              code: 'delivery_rejected',
              detail: `Refused for ${partial.recipient}`,
              at,
              reply: partial.reply,
            }
          : null,
        release: {
          to: verdict.to,
          by: request.actor.label,
          at,
          reply: verdict.reply,
          attempts: verdict.attempts,
          ...(request.jobId ? { jobId: request.jobId } : {}),
        },
      },
    );
    if (!done.ok) {
      deps.logger.error({ event: 'RELEASE_RECORD_FAILED', itemId: claimed.id, reply: verdict.reply });
      logItemAction(deps.logger, {
        ...line,
        item: done.current,
        outcome: 'conflict',
        reply: verdict.reply,
        to: verdict.to,
        attempts: verdict.attempts,
      });
      return {
        outcome: outcome(done.current, claimed.id, 'conflict', 'Delivered, but the item changed meanwhile.', {
          reply: verdict.reply,
          attempts: verdict.attempts,
        }),
        item: done.current,
      };
    }
    logItemAction(deps.logger, {
      ...line,
      item: done.item,
      outcome: 'ok',
      reply: verdict.reply,
      to: verdict.to,
      attempts: verdict.attempts,
    });
    // Queued, never awaited: teaching the filter must not slow a release down (the learner never rejects).
    void deps.learner?.released([done.item], request.actor.label);
    return {
      outcome: outcome(done.item, claimed.id, 'ok', 'Released.', {
        reply: verdict.reply,
        attempts: verdict.attempts,
      }),
      item: done.item,
    };
  }
  if (verdict.kind === 'interrupted') return recordInterrupted(port, deps, claimed, verdict);
  const back = await port.transition(
    claimed.id,
    { ...expected, status: [...expected.status] },
    {
      status: claimed.release ? 'released' : 'quarantined',
      at,
      lease: null,
      lastError: {
        code: verdict.kind,
        detail: verdict.reply,
        at,
        reply: verdict.reply,
        attempts: verdict.attempts,
      },
    },
  );
  if (!back.ok)
    deps.logger.error({ event: 'RELEASE_RECORD_FAILED', itemId: claimed.id, reply: verdict.reply });
  logItemAction(deps.logger, {
    ...line,
    outcome: verdict.kind,
    reply: verdict.reply,
    attempts: verdict.attempts,
  });
  const item = back.ok ? back.item : back.current;
  const what =
    verdict.kind === 'delivery_deferred'
      ? 'The mail server deferred the message'
      : verdict.kind === 'delivery_rejected'
        ? 'The mail server refused the message'
        : 'The stored message could not be read';
  const message = `${what}; ${afterFailure(item)}`;
  return {
    outcome: outcome(item, claimed.id, verdict.kind, message, {
      reply: verdict.reply,
      attempts: verdict.attempts,
    }),
    item,
  };
}

/**
 * Records a release that shutdown cut off. Sent (the transaction was unanswered): back in quarantine
 * marked `interrupted`, exactly as after a crash, so it is never resent without `force`. Not sent yet:
 * back where it was, unchanged otherwise, and the outcome is `cancelled`.
 */
async function recordInterrupted(
  port: TransitionPort,
  deps: { logger: Logger; now: () => Date },
  claimed: QuarantineItem,
  verdict: Extract<DeliveryVerdict, { kind: 'interrupted' }>,
): Promise<{ outcome: ItemOutcome; item: QuarantineItem | null }> {
  const at = deps.now().toISOString();
  const result = await port.transition(
    claimed.id,
    { status: ['releasing'], version: claimed.version },
    verdict.sent
      ? {
          status: 'quarantined',
          at,
          lease: null,
          lastError: {
            code: 'interrupted',
            detail: 'The server stopped while the message was being sent; it may have been delivered.',
            at,
            attempts: verdict.attempts,
          },
        }
      : { status: claimed.release ? 'released' : 'quarantined', at, lease: null },
  );
  if (!result.ok)
    deps.logger.error({ event: 'RELEASE_RECORD_FAILED', itemId: claimed.id, reply: verdict.reply });
  deps.logger.warn({ event: 'RELEASE_CUT_BY_SHUTDOWN', itemId: claimed.id, sent: verdict.sent });
  const item = result.ok ? result.item : result.current;
  return {
    outcome: verdict.sent
      ? outcome(
          item,
          claimed.id,
          'interrupted',
          'The server stopped while sending; the message may have been delivered.',
          {
            attempts: verdict.attempts,
          },
        )
      : outcome(
          item,
          claimed.id,
          'cancelled',
          'The server stopped before the release started; the item is unchanged.',
        ),
    item,
  };
}

/** What a failed send left behind, said from the item's state as recorded (not as hoped for). */
function afterFailure(item: QuarantineItem | null): string {
  if (item === null) return 'the item is gone.';
  switch (item.status) {
    case 'quarantined':
      return 'it stays quarantined.';
    case 'released':
      return 'this resend was not delivered; the item stays released from its earlier delivery.';
    default:
      return `the item is now ${item.status}.`;
  }
}

/** The error a single-item call answers for an outcome other than ok. */
export function outcomeError(result: ItemOutcome): LazaretError {
  const code = result.code === 'ok' ? 'internal_error' : result.code;
  return new LazaretError(code, result.message, {
    itemId: result.itemId,
    ...(result.reply === undefined ? {} : { reply: result.reply }),
    ...(result.attempts === undefined ? {} : { attempts: result.attempts }),
  });
}

/** A store failure during one item becomes its `store_error` outcome instead of ending the whole run. */
export function storeFailure(itemId: string, error: unknown): ItemOutcome {
  if (isStoreFailure(error)) {
    return { itemId, code: 'store_error', message: error.message };
  }
  throw error;
}

/**
 * Releases one item: claim → deliver → record, the same steps a bulk release runs for each item.
 * Answers the released item; any other outcome rejects with its code (see docs/errors.md).
 */
export async function releaseItem(
  deps: ReleaseDeps,
  id: string,
  actor: Actor,
  options: ReleaseOptions = {},
): Promise<QuarantineItem> {
  const request: ReleaseRequest = {
    actor,
    force: options.force ?? false,
    recipients: options.recipients ?? null,
    leaseOwner: deps.nodeName,
    rules: { malwareRelease: deps.config.access.malwareRelease },
    ...(options.onlyRequested ? { onlyRequested: true } : {}),
  };
  const item = await deps.items.getItem(id);
  if (options.onlyRequested && item && canSee(actor, item) && item.status !== 'release_requested') {
    logItemAction(deps.logger, {
      action: 'release_approve',
      actor,
      itemId: id,
      item,
      outcome: 'not_requested',
    });
    throw new LazaretError('not_requested', 'No release of this item is waiting for a decision.', {
      itemId: id,
    });
  }
  const claim = await claimForRelease(deps.items, deps, id, item, request);
  if ('outcome' in claim) throw outcomeError(claim.outcome);
  const verdicts = await deliverClaimed(deps, [claim.claimed], request);
  const recorded = await recordDelivery(deps.items, deps, claim.claimed, verdicts.get(id)!, request);
  if (recorded.outcome.code !== 'ok' || !recorded.item) throw outcomeError(recorded.outcome);
  return recorded.item;
}
