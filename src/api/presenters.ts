import type { Static } from 'typebox';
import type { MessageRecord, QuarantineItem } from '../core/types.js';
import type { TokenRecord, UserRecord } from '../store/user-store.js';
import type { ItemSchema, MessageSchema, TokenSchema, UserSchema } from './schemas.js';

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

/** A user without the password hash. */
export function presentUser(user: UserRecord): Static<typeof UserSchema> {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    domains: user.domains,
    addresses: user.addresses,
    disabled: user.disabled,
    releaseMode: user.releaseMode,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** A token without the hash of its secret. */
export function presentToken(token: TokenRecord): Static<typeof TokenSchema> {
  return {
    id: token.id,
    userId: token.userId,
    name: token.name,
    scope: token.scope,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
  };
}
