import type { Static } from 'typebox';
import type { MessageRecord, QuarantineItem } from '../core/types.js';
import type { Job, JobItem } from '../store/job-store.js';
import type { TokenRecord, UserRecord } from '../store/user-store.js';
import type {
  ItemSchema,
  JobItemSchema,
  JobSchema,
  MessageSchema,
  TokenSchema,
  UserSchema,
} from './schemas.js';

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
    ...(message.remoteAddress === undefined ? {} : { remoteAddress: message.remoteAddress }),
    ...(message.heloName === undefined ? {} : { heloName: message.heloName }),
    ...(message.queueId === undefined ? {} : { queueId: message.queueId }),
  };
}

export function presentJob(job: Job): Static<typeof JobSchema> {
  return {
    id: job.id,
    url: `/api/quarantine/jobs/${job.id}`,
    action: job.action,
    state: job.state,
    selection: job.selection,
    options: job.options,
    owner: { id: job.owner.id, label: job.owner.label },
    total: job.total,
    selectionComplete: job.selectionComplete,
    processed: Object.values(job.counters).reduce((sum, count) => sum + count, 0),
    counters: job.counters,
    cursor: job.cursor,
    cancelRequested: job.cancelRequested,
    stats: job.stats,
    error: job.error,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

export function presentJobItem(item: JobItem): Static<typeof JobItemSchema> {
  return { seq: item.seq, itemId: item.itemId, outcome: item.outcome };
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
