import { createHash } from 'node:crypto';
import { type Actor, systemActor } from '../../src/core/actor.js';
import { newId } from '../../src/core/ids.js';
import { zeroCounters } from '../../src/core/outcomes.js';
import type { MessageRecord, QuarantineItem } from '../../src/core/types.js';
import type { AuditEntry } from '../../src/store/audit-store.js';
import type { Job } from '../../src/store/job-store.js';
import type { TokenRecord, TotpFactor, UserRecord } from '../../src/store/user-store.js';

/*
 * Builders for the records the stores hold: sensible defaults, any field overridden. Tests build records
 * here rather than writing literals, so that a new field is added in one place.
 */

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

/** A job record as `createJob` stores it before a worker takes it: queued-to-be, no counts yet. */
export function buildJob(overrides: Partial<Job> = {}): Job {
  const at = overrides.createdAt ?? '2026-11-20T10:00:00.000Z';
  return {
    id: newId(),
    action: 'release',
    selection: { kind: 'ids' },
    options: { force: false, recipients: null },
    owner: systemActor('test'),
    idempotencyKey: null,
    requestHash: null,
    state: 'preparing',
    cancelRequested: false,
    total: 0,
    selectionComplete: false,
    selectionCursor: null,
    counters: zeroCounters(),
    cursor: 0,
    tenants: [],
    stats: null,
    error: null,
    lease: null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

/** An administrator acting as the system, as the CLI does. */
export const admin: Actor = systemActor('test-admin');

/** A domain admin of `domains`, with the scopes a session gives. */
export function domainAdmin(...domains: string[]): Actor {
  return {
    kind: 'user',
    id: `da-${domains.join('+')}`,
    label: `admin@${domains[0]}`,
    role: 'domain_admin',
    domains,
    addresses: [],
    scopes: ['read', 'release'],
  };
}

/** A user owning `addresses` (the first is the primary), with the scopes a session gives. */
export function user(...addresses: string[]): Actor {
  return {
    kind: 'user',
    id: `u-${addresses[0]}`,
    label: addresses[0]!,
    role: 'user',
    domains: [],
    addresses,
    scopes: ['read', 'release'],
  };
}

/** A user who sees mail to `email` (given or made unique), with no password. */
export function buildUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const email = overrides.email ?? `u${newId().toLowerCase()}@corp.test`;
  const at = overrides.createdAt ?? '2026-11-20T10:00:00.000Z';
  return {
    id: newId(),
    email,
    displayName: email,
    role: 'user',
    domains: [],
    addresses: [email],
    passwordHash: null,
    disabled: false,
    releaseMode: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** A confirmed TOTP factor (RFC 6238's test secret, Base32) with two recovery-code hashes. */
export function buildTotpFactor(overrides: Partial<TotpFactor> = {}): TotpFactor {
  return {
    secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    confirmedAt: '2026-11-20T10:00:00.000Z',
    lastStep: null,
    recoveryCodeHashes: ['a'.repeat(64), 'b'.repeat(64)],
    ...overrides,
  };
}

/** A live API token of `userId` with read scope and a unique secret hash. */
export function buildToken(userId: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id: newId(),
    userId,
    name: 'script',
    scope: 'read',
    secretHash: newId().toLowerCase().padEnd(64, '0'),
    createdAt: '2026-11-20T10:00:00.000Z',
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

/** An audit entry of a successful single release by an admin. */
export function buildAuditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: newId(),
    at: '2026-11-20T10:00:00.000Z',
    actor: { kind: 'user', id: 'u1', label: 'admin@corp.test' },
    action: 'item.release',
    target: {},
    tenants: [],
    params: {},
    outcome: 'ok',
    ...overrides,
  };
}
