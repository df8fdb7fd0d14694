import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { LazaretError } from '../core/errors.js';
import type { QuarantineItem } from '../core/types.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ItemStore } from '../store/item-store.js';
import type { SmtpRelay } from './smtp-relay.js';

export interface ReleaseDeps {
  items: ItemStore;
  blobs: BlobStore;
  relay: SmtpRelay;
  logger: Logger;
  now: () => Date;
  nodeName: string;
  leaseMs: number;
}

export interface ReleaseOptions {
  /** Who releases: a user, a token or a job; written to the trace header and release info. */
  actor: string;
  /** Send again although the item was released already or its last attempt was interrupted. */
  force?: boolean;
  /** Deliver to these addresses instead of the item's recipient. */
  recipients?: string[];
  /** Approving a request: release only an item in `release_requested` (else `not_requested`). */
  onlyRequested?: boolean;
}

/** The raw message with one `X-Lazaret-Release` trace header in front; the original bytes follow unchanged. */
export async function releaseStream(
  blobs: BlobStore,
  item: QuarantineItem,
  actor: string,
  at: string,
): Promise<Readable> {
  const body = await blobs.get(item.messageId);
  const trace = Buffer.from(
    `X-Lazaret-Release: item=${item.id}; by=${actor.replace(/[\r\n;]/g, ' ')}; at=${at}\r\n`,
  );
  return Readable.from(
    (async function* () {
      yield trace;
      yield* body;
    })(),
  );
}

function leaseExpired(item: QuarantineItem, now: Date): boolean {
  return item.lease === null || item.lease.until <= now.toISOString();
}

/**
 * An item left in `releasing` by an attempt whose lease ran out (its process died) goes back to
 * quarantine marked interrupted: it may have been delivered, so it is never resent without `force`.
 */
export async function markInterrupted(deps: ReleaseDeps, item: QuarantineItem): Promise<QuarantineItem> {
  const at = deps.now().toISOString();
  const result = await deps.items.transition(
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
  if (!result.current) throw new LazaretError('not_found', 'No such item.');
  return result.current;
}

function refuseUnlessReleasable(item: QuarantineItem, force: boolean): void {
  if (item.status === 'deleted' || item.status === 'expired') {
    throw new LazaretError('already_deleted', 'The item was deleted; its message is gone.', {
      itemId: item.id,
    });
  }
  if (item.status === 'released' && !force) {
    throw new LazaretError('already_released', 'The item was released already; use force to send it again.', {
      itemId: item.id,
      release: item.release,
    });
  }
  if (item.status === 'releasing') {
    throw new LazaretError('conflict', 'The item is being released right now.', { itemId: item.id });
  }
  if (item.lastError?.code === 'interrupted' && !force) {
    throw new LazaretError(
      'interrupted',
      'An earlier release of this item was interrupted and may have been delivered; use force to send it again.',
      { itemId: item.id, lastError: item.lastError },
    );
  }
}

/**
 * Releases one item: claims it with a lease (a conditional write, so two callers cannot both send),
 * delivers the raw message to the relay, and marks it released only if the relay answered 2xx.
 * A refusal leaves it quarantined with the reply in lastError and rejects with
 * `delivery_rejected` (5xx) or `delivery_deferred` (4xx or no answer).
 */
export async function releaseItem(
  deps: ReleaseDeps,
  id: string,
  options: ReleaseOptions,
): Promise<QuarantineItem> {
  let item = await deps.items.getItem(id);
  if (!item) throw new LazaretError('not_found', 'No such item.', { itemId: id });
  if (options.onlyRequested && item.status !== 'release_requested') {
    throw new LazaretError('not_requested', 'No release of this item is waiting for a decision.', {
      itemId: id,
    });
  }
  if (item.status === 'releasing' && leaseExpired(item, deps.now())) item = await markInterrupted(deps, item);
  refuseUnlessReleasable(item, options.force ?? false);

  const claimedAt = deps.now();
  const claim = await deps.items.transition(
    id,
    { status: [item.status], version: item.version },
    {
      status: 'releasing',
      at: claimedAt.toISOString(),
      lease: { owner: deps.nodeName, until: new Date(claimedAt.getTime() + deps.leaseMs).toISOString() },
    },
  );
  if (!claim.ok) {
    if (claim.current) refuseUnlessReleasable(claim.current, options.force ?? false);
    throw new LazaretError('conflict', 'The item changed while it was being released; try again.', {
      itemId: id,
    });
  }

  const to = options.recipients ?? [item.recipient];
  const at = claimedAt.toISOString();
  let result: Awaited<ReturnType<SmtpRelay['deliver']>>;
  try {
    const raw = await releaseStream(deps.blobs, claim.item, options.actor, at);
    result = await deps.relay.deliver({ from: item.sender, to, raw });
  } catch (error) {
    result = {
      kind: 'failed',
      temporary: true,
      responseCode: null,
      reply: `Could not read the stored message: ${(error as Error).message}`,
      refused: [],
    };
  }

  const finishedAt = deps.now().toISOString();
  // Once any recipient accepted, the message is out: record it as released so it is never sent twice.
  if (result.kind === 'accepted' && result.accepted.length > 0) {
    const partial = result.refused[0];
    const done = await deps.items.transition(
      id,
      { status: ['releasing'], version: claim.item.version },
      {
        status: 'released',
        at: finishedAt,
        lease: null,
        lastError: partial
          ? {
              code: 'delivery_rejected',
              detail: `Refused for ${partial.recipient}`,
              at: finishedAt,
              reply: partial.reply,
            }
          : null,
        release: { to: result.accepted, by: options.actor, at: finishedAt, reply: result.reply },
      },
    );
    if (!done.ok) {
      deps.logger.error({ event: 'RELEASE_RECORD_FAILED', itemId: id, reply: result.reply });
      throw new LazaretError('conflict', 'Delivered, but the item changed meanwhile.', { itemId: id });
    }
    deps.logger.info({ event: 'RELEASE_DELIVERED', itemId: id, to, reply: result.reply });
    return done.item;
  }

  const refusal = result.kind === 'failed' ? result : result.refused[0]!;
  const temporary =
    result.kind === 'failed' ? result.temporary : result.refused.every((entry) => entry.responseCode < 500);
  const code = temporary ? 'delivery_deferred' : 'delivery_rejected';
  const reply = refusal.reply;
  const back = await deps.items.transition(
    id,
    { status: ['releasing'], version: claim.item.version },
    {
      status: claim.item.release ? 'released' : 'quarantined',
      at: finishedAt,
      lease: null,
      lastError: { code, detail: reply, at: finishedAt, reply },
    },
  );
  if (!back.ok) deps.logger.error({ event: 'RELEASE_RECORD_FAILED', itemId: id, reply });
  deps.logger.warn({ event: 'RELEASE_REFUSED', itemId: id, code, reply });
  throw new LazaretError(
    code,
    temporary
      ? 'The mail server deferred the message; it stays quarantined.'
      : 'The mail server refused the message; it stays quarantined.',
    { itemId: id, reply },
  );
}
