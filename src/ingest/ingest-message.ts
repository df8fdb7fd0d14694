import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Logger } from 'pino';
import { LazaretError, storeError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Envelope, MessageRecord, QuarantineItem, Reason } from '../core/types.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ItemStore } from '../store/item-store.js';
import { SummaryCollector } from './message-summary.js';

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

export interface IngestDeps {
  items: ItemStore;
  blobs: BlobStore;
  logger: Logger;
  now: () => Date;
}

export interface IncomingMessage {
  /** The message bytes as received after the DATA command (dot-unstuffed). */
  body: Readable;
  envelope: Envelope;
  remoteAddress?: string;
  heloName?: string;
  /** Set once the body has streamed past when it was larger than allowed (smtp-server's `sizeExceeded`). */
  sizeExceeded?: () => boolean;
}

export interface IngestResult {
  message: MessageRecord;
  items: QuarantineItem[];
}

export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1);
}

/**
 * Stores one incoming message durably and holds it for each recipient: the raw bytes go to the blob
 * store (fsynced) while the MIME summary is read from the same stream; then the message and its items
 * are committed together. Resolves only when all of it is durable; on any failure nothing stays.
 */
export async function ingestMessage(deps: IngestDeps, incoming: IncomingMessage): Promise<IngestResult> {
  const id = newId();
  const receivedAt = deps.now().toISOString();
  const collector = new SummaryCollector();
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
  const message: MessageRecord = {
    id,
    receivedAt,
    size: written.size,
    sha256: written.sha256,
    envelope: incoming.envelope,
    headers: summary.headers,
    attachments: summary.attachments,
    blobKey: id,
    parseProblems: summary.parseProblems,
    ...(incoming.remoteAddress ? { remoteAddress: incoming.remoteAddress } : {}),
    ...(incoming.heloName ? { heloName: incoming.heloName } : {}),
  };
  const recipients = [...new Set(incoming.envelope.rcptTo.map(normaliseAddress))];
  const sender = normaliseAddress(incoming.envelope.mailFrom);
  const items: QuarantineItem[] = recipients.map((recipient) => ({
    id: newId(),
    messageId: id,
    recipient,
    tenant: domainOf(recipient),
    sender,
    ...(summary.headers.from ? { fromHeader: summary.headers.from } : {}),
    ...(summary.headers.subject ? { subject: summary.headers.subject } : {}),
    size: written.size,
    hasAttachments: summary.attachments.length > 0,
    reason: CAPTURE_VERDICT.reason,
    score: CAPTURE_VERDICT.score,
    details: CAPTURE_VERDICT.details,
    status: 'quarantined',
    receivedAt,
    updatedAt: receivedAt,
    expiresAt: null,
    release: null,
    lastError: null,
    lease: null,
    version: 1,
  }));

  try {
    await deps.items.putMessage(message, items);
  } catch (error) {
    await deps.blobs
      .delete(id)
      .catch((cleanupError: unknown) =>
        deps.logger.error({ event: 'INGEST_BLOB_CLEANUP_FAILED', messageId: id, err: cleanupError }),
      );
    throw storeError('ingest commit', error);
  }
  return { message, items };
}
