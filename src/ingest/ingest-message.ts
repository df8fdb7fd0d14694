import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Logger } from 'pino';
import { canonical, domainOf } from '../core/address.js';
import { LazaretError, storeError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Envelope, MessageRecord, QuarantineItem, Reason } from '../core/types.js';
import type { Metrics } from '../metrics.js';
import type { DeliveryResult, SmtpRelay } from '../relay/smtp-relay.js';
import type { BlobStore, HeldBlob } from '../store/blob-store.js';
import type { FreeSpace } from '../store/free-space.js';
import type { ItemStore } from '../store/item-store.js';
import { parseAuthenticationResults } from './auth-results.js';
import { postfixQueueId, SummaryCollector } from './message-summary.js';
import type { Verdict } from './verdict.js';
import type { VerdictPipeline } from './verdict-pipeline.js';

/** Capture mode: everything is held. */
export const CAPTURE_VERDICT: Verdict = {
  action: 'quarantine',
  reason: 'policy',
  score: null,
  details: { rule: 'capture' },
};

/** Lazaret's own digest coming back through the filter: it always passes. */
const OWN_DIGEST_VERDICT: Verdict = {
  action: 'pass',
  reason: 'spam',
  score: null,
  details: { rule: 'lazaret-digest' },
};

export interface IngestDeps {
  items: ItemStore;
  blobs: BlobStore;
  logger: Logger;
  now: () => Date;
  /** Decides per recipient (filter mode, import --scan); absent in capture mode, where everything is held. */
  pipeline?: VerdictPipeline | undefined;
  /**
   * Filter mode: where recipients that pass go, in the same SMTP transaction. Without it, passing
   * recipients are not stored at all (import counts them as clean).
   */
  forward?: Pick<SmtpRelay, 'deliver'> | undefined;
  /** Days an item is kept, by reason; 0 or absent means it never expires. */
  retentionDays?: Partial<Record<Reason, number>> | undefined;
  metrics?: Metrics | undefined;
  /**
   * Recognises Lazaret's own digests: true when `seals` (the message's X-Lazaret-Digest values) hold
   * a valid seal for every recipient. Such a message is never held: with `forward` it passes to every
   * recipient whatever the scanners would say; without (capture mode) it is refused as `digest_loop`.
   */
  ownDigest?: ((seals: readonly string[], recipients: readonly string[]) => boolean) | undefined;
  /** Zip attachments up to this size are kept in memory for the policy scanner's archive check. */
  captureArchivesUpTo?: number | undefined;
  /** The embedded store's free space: new mail is refused below its reserve (absent on DynamoDB + S3). */
  freeSpace?: FreeSpace | undefined;
  /**
   * Whether a held recipient that already has an item of a message with the same bytes is taken as
   * an earlier attempt of this delivery and not stored again (filter mode, where `forward` implies
   * it, and the rspamd hand-off, whose pusher is retried by the MTA).
   */
  findsEarlierAttempts?: boolean | undefined;
  /** Whether headers written by this SMTP client are believed (its Authentication-Results are kept). */
  trustsHeadersFrom?: ((address: string | undefined) => boolean) | undefined;
}

export interface IncomingMessage {
  /** The message bytes as received after the DATA command (dot-unstuffed). */
  body: Readable;
  envelope: Envelope;
  /** The original client (from XFORWARD when the peer sent it). */
  remoteAddress?: string;
  /** The SMTP client that handed the message over, when it differs from remoteAddress (XFORWARD). */
  peerAddress?: string;
  heloName?: string;
  /** The upstream MTA's queue id (Postfix's XFORWARD IDENT); else taken from Postfix's topmost Received header. */
  queueId?: string;
  /** Set once the body has streamed past when it was larger than allowed (smtp-server's `sizeExceeded`). */
  sizeExceeded?: () => boolean;
  /** Without a pipeline, the verdict for every recipient (default CAPTURE_VERDICT); import names its source here. */
  captureVerdict?: Verdict;
}

export interface IngestResult {
  message: MessageRecord;
  /** Items created; empty when no recipient was held (then the message is not stored either). */
  items: QuarantineItem[];
  /**
   * Held recipients whose item an earlier attempt of the same delivery (same bytes) committed
   * already (filter mode): not stored again.
   */
  alreadyHeld: string[];
  /** Recipients that the re-injection listener accepted (filter mode). */
  relayed: string[];
  /** The re-injection listener's reply, when something was relayed. */
  relayReply?: string;
  /** Recipients that passed but were neither relayed nor stored (no forward configured: import). */
  passed: string[];
  /** The decision for each recipient (normalised address), for the decision log. */
  verdicts: ReadonlyMap<string, Verdict>;
}

/** An envelope address in its canonical form (core/address.ts); the null sender stays ''. */
export function normaliseAddress(address: string): string {
  return address.trim() === '' ? '' : canonical(address);
}

export function expiryOf(
  receivedAt: string,
  reason: Reason,
  days: IngestDeps['retentionDays'],
): string | null {
  const keep = days?.[reason] ?? 0;
  if (keep <= 0) return null;
  return new Date(Date.parse(receivedAt) + keep * 86_400_000).toISOString();
}

/**
 * The message's raw bytes while it is ingested: `held` until its commit where the blob store leaves
 * them to it (BlobStore.holdForCommit), else stored already under the message id.
 */
interface RawBytes {
  id: string;
  held: Buffer | undefined;
}

function openRaw(deps: IngestDeps, raw: RawBytes): Promise<Readable> {
  return raw.held ? Promise.resolve(Readable.from([raw.held])) : deps.blobs.get(raw.id);
}

/** Removes stored bytes that no item will name; held bytes were never stored. */
async function discardRaw(deps: IngestDeps, raw: RawBytes): Promise<void> {
  if (!raw.held) await discardBlob(deps, raw.id);
}

async function discardBlob(deps: IngestDeps, id: string): Promise<void> {
  await deps.blobs
    .delete(id)
    .catch((cleanupError: unknown) =>
      deps.logger.error({ event: 'INGEST_BLOB_CLEANUP_FAILED', messageId: id, err: cleanupError }),
    );
}

/** Turns a failed relay into the error whose SMTP reply mirrors the re-injection listener's. */
function relayError(result: Extract<DeliveryResult, { kind: 'failed' }>): LazaretError {
  const code = result.temporary ? 'relay_deferred' : 'relay_rejected';
  return new LazaretError(
    code,
    `Relay ${result.temporary ? 'deferred' : 'refused'} the message: ${result.reply}`,
    {
      responseCode: result.responseCode,
      reply: result.reply,
    },
  );
}

/**
 * Stores one incoming message durably and decides per recipient. The raw bytes go to the blob store
 * (fsynced) — or, where it leaves them to the message's commit, are held for it, so that bytes,
 * message and items take one commit — while the MIME summary is read from the same stream; then the
 * verdict pipeline (or, in capture mode, the capture verdict) decides each recipient, and the held
 * recipients are committed as items. Only then, in filter mode, are the recipients that pass relayed
 * to the re-injection listener; a held recipient that an earlier attempt with the same bytes
 * committed is not stored again, so the sender's retry after a failed relay or a lost reply adds no
 * copy. Resolves only when all of that is durable. A failure before the commit keeps nothing; after it, the items stay and
 * the error says which SMTP reply to give (scanner_unavailable, relay_deferred/relay_rejected,
 * store_error, insufficient_storage), so a message is never both acknowledged and dropped.
 */
export async function ingestMessage(deps: IngestDeps, incoming: IncomingMessage): Promise<IngestResult> {
  const id = newId();
  const receivedAt = deps.now().toISOString();
  const collector = new SummaryCollector({ captureArchivesUpTo: deps.captureArchivesUpTo ?? 0 });
  const toBlob = new PassThrough();
  incoming.body.pipe(toBlob);
  incoming.body.pipe(collector);
  const holding: Promise<HeldBlob> = deps.blobs.holdForCommit?.(id, toBlob) ?? deps.blobs.put(id, toBlob);
  const [written] = await Promise.all([holding, finished(collector), finished(incoming.body)]).catch(
    async (error: unknown) => {
      // Keep reading so the SMTP session can still answer, but keep nothing of this message.
      incoming.body.unpipe();
      incoming.body.resume();
      await deps.blobs.delete(id).catch(() => undefined);
      throw storeError('ingest', error);
    },
  );
  const raw: RawBytes = { id, held: written.inline };

  if (incoming.sizeExceeded?.()) {
    await discardRaw(deps, raw);
    throw new LazaretError('message_too_large', 'Message exceeds the size limit.');
  }

  const summary = collector.summary();
  let recipients: string[];
  let sender: string;
  try {
    recipients = [...new Set(incoming.envelope.rcptTo.map(normaliseAddress))];
    sender = normaliseAddress(incoming.envelope.mailFrom);
  } catch (error) {
    await discardRaw(deps, raw);
    throw error;
  }
  const queueId = incoming.queueId ?? postfixQueueId(summary.scannerHeaders.received?.[0]);
  const authHeader = summary.scannerHeaders['authentication-results']?.[0];
  const authResults =
    authHeader && deps.trustsHeadersFrom?.(incoming.peerAddress ?? incoming.remoteAddress)
      ? parseAuthenticationResults(authHeader)
      : [];
  const message: MessageRecord = {
    id,
    receivedAt,
    size: written.size,
    sha256: written.sha256,
    envelope: { mailFrom: sender, rcptTo: recipients },
    headers: authResults.length > 0 ? { ...summary.headers, authResults } : summary.headers,
    attachments: summary.attachments,
    blobKey: id,
    parseProblems: summary.parseProblems,
    ...(incoming.remoteAddress ? { remoteAddress: incoming.remoteAddress } : {}),
    ...(incoming.heloName ? { heloName: incoming.heloName } : {}),
    ...(queueId ? { queueId } : {}),
  };

  const seals = summary.scannerHeaders['x-lazaret-digest'] ?? [];
  const ownDigest = seals.length > 0 && (deps.ownDigest?.(seals, recipients) ?? false);
  if (ownDigest && !deps.forward) {
    await discardRaw(deps, raw);
    throw new LazaretError(
      'digest_loop',
      'This is a digest Lazaret sent itself; it is not held here. Point the relay at the mailbox server.',
    );
  }

  let verdicts: Map<string, Verdict>;
  try {
    verdicts = ownDigest
      ? new Map(recipients.map((recipient) => [recipient, OWN_DIGEST_VERDICT]))
      : deps.pipeline
        ? await deps.pipeline.decide({
            messageId: id,
            envelope: incoming.envelope,
            recipients,
            sender,
            size: written.size,
            summary,
            ...(incoming.remoteAddress ? { remoteAddress: incoming.remoteAddress } : {}),
            ...(incoming.peerAddress ? { peerAddress: incoming.peerAddress } : {}),
            ...(incoming.heloName ? { heloName: incoming.heloName } : {}),
            openRaw: () => openRaw(deps, raw),
          })
        : new Map(recipients.map((recipient) => [recipient, incoming.captureVerdict ?? CAPTURE_VERDICT]));
  } catch (error) {
    await discardRaw(deps, raw);
    throw error;
  }
  // The zip bytes were only needed by the scanners.
  summary.archives.length = 0;

  const held = recipients.filter((recipient) => verdicts.get(recipient)?.action === 'quarantine');
  const passing = recipients.filter((recipient) => verdicts.get(recipient)?.action !== 'quarantine');
  const decided: Decided = { message, raw, summary, sender, verdicts };

  // Filter mode commits before relaying: a commit failure then answers 4xx with nothing sent yet,
  // and a retry of the same message finds the items of an earlier attempt instead of adding copies.
  const alreadyHeld =
    deps.forward || deps.findsEarlierAttempts ? await findHeldBefore(deps, decided, held) : [];
  const toHold = held.filter((recipient) => !alreadyHeld.includes(recipient));
  const items = await commitHeld(deps, decided, toHold);

  let relayed: string[] = [];
  let relayReply: string | undefined;
  let passed: string[] = [];
  let refusedItems: QuarantineItem[] = [];
  if (passing.length > 0 && deps.forward) {
    const result = await relayPassing(deps, decided, passing, items.length > 0);
    relayed = result.accepted.map(normaliseAddress);
    relayReply = result.reply;
    // The message is out for the others; a recipient the listener refused is held rather than dropped.
    const refused = result.refused.map((refusal) => {
      verdicts.set(normaliseAddress(refusal.recipient), {
        action: 'quarantine',
        reason: 'policy',
        score: null,
        details: { rule: 'relay-refused', reply: refusal.reply },
      });
      return normaliseAddress(refusal.recipient);
    });
    if (refused.length > 0) refusedItems = await holdRefused(deps, decided, refused, items.length > 0);
  } else {
    passed = passing;
  }
  if (items.length === 0 && refusedItems.length === 0) await discardRaw(deps, raw);

  deps.metrics?.recipientsRelayed.inc(relayed.length);
  const allItems = [...items, ...refusedItems];
  for (const item of allItems) deps.metrics?.recipientsHeld.inc({ reason: item.reason });
  return {
    message,
    items: allItems,
    alreadyHeld,
    relayed,
    ...(relayReply !== undefined ? { relayReply } : {}),
    passed,
    verdicts,
  };
}

/** What the phases after the verdicts share about one message. */
interface Decided {
  message: MessageRecord;
  /** The bytes of `message`. */
  raw: RawBytes;
  summary: ReturnType<SummaryCollector['summary']>;
  sender: string;
  verdicts: Map<string, Verdict>;
}

function itemsOf(deps: IngestDeps, decided: Decided, message: MessageRecord, recipients: readonly string[]) {
  const { summary, sender, verdicts } = decided;
  return recipients.map((recipient): QuarantineItem => {
    const verdict = verdicts.get(recipient)!;
    return {
      id: newId(),
      messageId: message.id,
      recipient,
      tenant: domainOf(recipient),
      sender,
      ...(summary.headers.from ? { fromHeader: summary.headers.from } : {}),
      ...(summary.headers.subject ? { subject: summary.headers.subject } : {}),
      size: message.size,
      hasAttachments: summary.attachments.length > 0,
      reason: verdict.reason,
      score: verdict.score,
      details: verdict.details,
      status: 'quarantined',
      receivedAt: message.receivedAt,
      updatedAt: message.receivedAt,
      expiresAt: expiryOf(message.receivedAt, verdict.reason, deps.retentionDays),
      release: null,
      lastError: null,
      lease: null,
      version: 1,
    };
  });
}

/**
 * Held recipients that already have an item of a message with the same bytes: an earlier attempt
 * of this delivery committed them and then failed to relay or to answer, and the sender retried.
 * The bytes name the delivery: Postfix's Received header carries its queue id and time.
 */
async function findHeldBefore(
  deps: IngestDeps,
  decided: Decided,
  held: readonly string[],
): Promise<string[]> {
  if (held.length === 0) return [];
  try {
    const found = await deps.items.findImportedRecipients(decided.message.sha256, held);
    return held.filter((recipient) => found.has(recipient));
  } catch (error) {
    await discardRaw(deps, decided.raw);
    throw storeError('ingest retry check', error);
  }
}

/** Commits the items of `recipients` with their message, and its bytes where they are held; none: nothing. */
async function commitHeld(
  deps: IngestDeps,
  decided: Decided,
  recipients: readonly string[],
): Promise<QuarantineItem[]> {
  if (recipients.length === 0) return [];
  const items = itemsOf(deps, decided, decided.message, recipients);
  try {
    await deps.items.putMessage(decided.message, items, decided.raw.held);
  } catch (error) {
    await discardRaw(deps, decided.raw);
    throw storeError('ingest commit', error);
  }
  return items;
}

/**
 * Relays the message to the recipients that passed. Once items are committed the blob is theirs and
 * stays whatever the relay answers; a refusal is the reply, and the sender's retry finds those items.
 */
async function relayPassing(
  deps: IngestDeps,
  decided: Decided,
  passing: readonly string[],
  committed: boolean,
): Promise<Extract<DeliveryResult, { kind: 'accepted' }>> {
  const { message } = decided;
  const forward = deps.forward!;
  let result: DeliveryResult;
  try {
    result = await forward.deliver({
      from: message.envelope.mailFrom,
      to: [...passing],
      raw: await openRaw(deps, decided.raw),
    });
  } catch (error) {
    if (!committed) await discardRaw(deps, decided.raw);
    throw storeError('relay read', error);
  }
  if (result.kind === 'failed') {
    deps.metrics?.relayFailures.inc({ kind: result.temporary ? 'temporary' : 'permanent' });
    if (!committed) await discardRaw(deps, decided.raw);
    else if (!result.temporary) {
      deps.logger.warn({ event: 'INGEST_HELD_RELAY_REFUSED', messageId: message.id, reply: result.reply });
    }
    throw relayError(result);
  }
  return result;
}

/**
 * Holds the recipients the re-injection listener refused while it accepted others. When the message
 * already has items, these go under a message of their own with a copy of the raw bytes, because a
 * message and its items are committed once, together.
 */
async function holdRefused(
  deps: IngestDeps,
  decided: Decided,
  refused: readonly string[],
  committed: boolean,
): Promise<QuarantineItem[]> {
  let { message, raw } = decided;
  if (committed) {
    const id = newId();
    try {
      await deps.blobs.put(id, await openRaw(deps, decided.raw));
    } catch (error) {
      await discardBlob(deps, id);
      deps.logger.error({
        event: 'INGEST_COMMIT_AFTER_RELAY_FAILED',
        messageId: decided.message.id,
        refused,
      });
      throw storeError('ingest commit', error);
    }
    message = { ...decided.message, id, blobKey: id };
    raw = { id, held: undefined };
  }
  try {
    return await commitHeld(deps, { ...decided, message, raw }, refused);
  } catch (error) {
    // Already relayed for the others: the sender's retry may deliver those a second time, never lose any.
    deps.logger.error({ event: 'INGEST_COMMIT_AFTER_RELAY_FAILED', messageId: message.id, refused });
    throw error;
  }
}
