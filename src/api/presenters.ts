import type { Static } from 'typebox';
import type { MessageRecord, QuarantineItem } from '../core/types.js';
import type { ItemSchema, MessageSchema } from './schemas.js';

/** The public shape of an item: storage-only fields (tenant, lease) stay inside. */
export function presentItem(item: QuarantineItem): Static<typeof ItemSchema> {
  return {
    id: item.id,
    messageId: item.messageId,
    recipient: item.recipient,
    sender: item.sender,
    ...(item.fromHeader === undefined ? {} : { from: item.fromHeader }),
    ...(item.subject === undefined ? {} : { subject: item.subject }),
    size: item.size,
    hasAttachments: item.hasAttachments,
    reason: item.reason,
    score: item.score,
    details: item.details,
    status: item.status,
    receivedAt: item.receivedAt,
    updatedAt: item.updatedAt,
    expiresAt: item.expiresAt,
    release: item.release,
    lastError: item.lastError,
    version: item.version,
  };
}

export function presentMessage(message: MessageRecord): Static<typeof MessageSchema> {
  return {
    id: message.id,
    receivedAt: message.receivedAt,
    size: message.size,
    sha256: message.sha256,
    envelope: message.envelope,
    headers: message.headers,
    attachments: message.attachments,
    parseProblems: message.parseProblems,
  };
}
