import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Logger } from 'pino';
import { canonical, domainOf } from '../core/address.js';
import { LazaretError, storeError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Envelope, MessageRecord, QuarantineItem, Reason } from '../core/types.js';
import type { Metrics } from '../metrics.js';
import type { DeliveryResult, SmtpRelay } from '../release/smtp-relay.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ItemStore } from '../store/item-store.js';
import { postfixQueueId, SummaryCollector } from './message-summary.js';
import type { VerdictPipeline } from './verdict-pipeline.js';

/** The decision for one recipient: hold it with a reason, or let it pass. */
export interface Verdict {
  action: 'quarantine' | 'pass';
  reason: Reason;
  score: number | null;
  details: Record<string, unknown>;
}

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
 * (fsynced) while the MIME summary is read from the same stream; then the verdict pipeline (or, in
 * capture mode, the capture verdict) decides each recipient. In filter mode the recipients that pass
 * are relayed to the re-injection listener first; only if it accepts are the held recipients
 * committed as items. Resolves only when all of that is durable; on any failure nothing is kept and
 * the error says which SMTP reply to give (scanner_unavailable, relay_deferred/relay_rejected,
 * store_error), so a message is never both acknowledged and dropped.
 */
export async function ingestMessage(deps: IngestDeps, incoming: IncomingMessage): Promise<IngestResult> {
  const id = newId();
  const receivedAt = deps.now().toISOString();
  const collector = new SummaryCollector({ captureArchivesUpTo: deps.captureArchivesUpTo ?? 0 });
  const toBlob = new PassThrough();
  incoming.body.pipe(toBlob);
  incoming.body.pipe(collector);
  const [written] = await Promise.all([
    deps.blobs.put(id, toBlob),
    finished(collector),
    finished(incoming.body),
  ]).catch(async (error: unknown) => {
    // Keep reading so the SMTP session can still answer, but keep nothing of this message.
    incoming.body.unpipe();
    incoming.body.resume();
    await deps.blobs.delete(id).catch(() => undefined);
    throw storeError('ingest', error);
  });

  if (incoming.sizeExceeded?.()) {
    await deps.blobs.delete(id);
    throw new LazaretError('message_too_large', 'Message exceeds the size limit.');
  }

  const summary = collector.summary();
  let recipients: string[];
  let sender: string;
  try {
    recipients = [...new Set(incoming.envelope.rcptTo.map(normaliseAddress))];
    sender = normaliseAddress(incoming.envelope.mailFrom);
  } catch (error) {
    await discardBlob(deps, id);
    throw error;
  }
  const queueId = incoming.queueId ?? postfixQueueId(summary.scannerHeaders.received?.[0]);
  const message: MessageRecord = {
    id,
    receivedAt,
    size: written.size,
    sha256: written.sha256,
    envelope: { mailFrom: sender, rcptTo: recipients },
    headers: summary.headers,
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
    await discardBlob(deps, id);
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
            openRaw: () => deps.blobs.get(id),
          })
        : new Map(recipients.map((recipient) => [recipient, incoming.captureVerdict ?? CAPTURE_VERDICT]));
  } catch (error) {
    await discardBlob(deps, id);
    throw error;
  }
  // The zip bytes were only needed by the scanners.
  summary.archives.length = 0;

  const passing = recipients.filter((recipient) => verdicts.get(recipient)?.action !== 'quarantine');
  let relayed: string[] = [];
  let relayReply: string | undefined;
  let passed: string[] = [];
  if (passing.length > 0 && deps.forward) {
    let result: DeliveryResult;
    try {
      result = await deps.forward.deliver({
        from: incoming.envelope.mailFrom,
        to: passing,
        raw: await deps.blobs.get(id),
      });
    } catch (error) {
      await discardBlob(deps, id);
      throw storeError('relay read', error);
    }
    if (result.kind === 'failed') {
      deps.metrics?.relayFailures.inc({ kind: result.temporary ? 'temporary' : 'permanent' });
      await discardBlob(deps, id);
      throw relayError(result);
    }
    relayed = result.accepted.map(normaliseAddress);
    relayReply = result.reply;
    // The message is out for the others; a recipient the listener refused is held rather than dropped.
    for (const refusal of result.refused) {
      verdicts.set(normaliseAddress(refusal.recipient), {
        action: 'quarantine',
        reason: 'policy',
        score: null,
        details: { rule: 'relay-refused', reply: refusal.reply },
      });
    }
  } else {
    passed = passing;
  }

  const held = recipients.filter((recipient) => verdicts.get(recipient)?.action === 'quarantine');
  const items: QuarantineItem[] = held.map((recipient) => {
    const verdict = verdicts.get(recipient)!;
    return {
      id: newId(),
      messageId: id,
      recipient,
      tenant: domainOf(recipient),
      sender,
      ...(summary.headers.from ? { fromHeader: summary.headers.from } : {}),
      ...(summary.headers.subject ? { subject: summary.headers.subject } : {}),
      size: written.size,
      hasAttachments: summary.attachments.length > 0,
      reason: verdict.reason,
      score: verdict.score,
      details: verdict.details,
      status: 'quarantined',
      receivedAt,
      updatedAt: receivedAt,
      expiresAt: expiryOf(receivedAt, verdict.reason, deps.retentionDays),
      release: null,
      lastError: null,
      lease: null,
      version: 1,
    };
  });

  if (items.length === 0) {
    await discardBlob(deps, id);
  } else {
    try {
      await deps.items.putMessage(message, items);
    } catch (error) {
      await discardBlob(deps, id);
      if (relayed.length > 0) {
        // Already relayed for the others: the sender's retry may deliver those a second time, never lose any.
        deps.logger.error({ event: 'INGEST_COMMIT_AFTER_RELAY_FAILED', messageId: id, relayed });
      }
      throw storeError('ingest commit', error);
    }
  }
  deps.metrics?.recipientsRelayed.inc(relayed.length);
  for (const item of items) deps.metrics?.recipientsHeld.inc({ reason: item.reason });
  return {
    message,
    items,
    relayed,
    ...(relayReply !== undefined ? { relayReply } : {}),
    passed,
    verdicts,
  };
}
