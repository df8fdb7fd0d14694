import { createHash } from 'node:crypto';
import { newId } from '../../src/core/ids.js';
import type { MessageRecord, QuarantineItem } from '../../src/core/types.js';

/** A message record with sensible defaults; the blob key is the message id, as ingest makes it. */
export function buildMessage(overrides: Partial<MessageRecord> = {}): MessageRecord {
  const id = overrides.id ?? newId();
  return {
    id,
    receivedAt: '2026-11-01T10:00:00.000Z',
    size: 1234,
    sha256: createHash('sha256').update(id).digest('hex'),
    envelope: { mailFrom: 'sender@example.com', rcptTo: ['rcpt@example.org'] },
    headers: { from: 'Sender <sender@example.com>', fromAddress: 'sender@example.com', subject: 'Hello' },
    attachments: [],
    blobKey: id,
    parseProblems: [],
    ...overrides,
  };
}

/** One item per recipient of `message`, with the denormalised fields taken from it. */
export function buildItems(
  message: MessageRecord,
  recipients: readonly string[] = message.envelope.rcptTo,
  overrides: Partial<QuarantineItem> = {},
): QuarantineItem[] {
  return recipients.map((recipient) => ({
    id: newId(),
    messageId: message.id,
    recipient: recipient.toLowerCase(),
    tenant: recipient.toLowerCase().split('@')[1] ?? '',
    sender: message.envelope.mailFrom.toLowerCase(),
    ...(message.headers.from ? { fromHeader: message.headers.from } : {}),
    ...(message.headers.subject ? { subject: message.headers.subject } : {}),
    size: message.size,
    hasAttachments: message.attachments.length > 0,
    reason: 'spam',
    score: 7.5,
    details: { symbols: ['TEST'] },
    status: 'quarantined',
    receivedAt: message.receivedAt,
    updatedAt: message.receivedAt,
    expiresAt: null,
    release: null,
    lastError: null,
    lease: null,
    version: 1,
    ...overrides,
  }));
}
