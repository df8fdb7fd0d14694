import type { Static } from 'typebox';
import {
  type AccessRules,
  administersAll,
  allowedActions,
  canSeeAddress,
  mayUseTotp,
} from '../auth/access-policy.js';
import type { Actor } from '../core/actor.js';
import { canonicalOrAsGiven } from '../core/address.js';
import type { MessageRecord, QuarantineItem } from '../core/types.js';
import type { AuditEntry } from '../store/audit-store.js';
import type { Job, JobItem } from '../store/job-store.js';
import { identityOf, type TokenRecord, type UserRecord } from '../store/user-store.js';
import type {
  ItemSchema,
  JobItemSchema,
  JobSchema,
  MessageSchema,
  TokenSchema,
  UserSchema,
} from './schemas.js';

/** Only the addresses `viewer` may see (access-policy `canSeeAddress`). */
function visibleAddresses(viewer: Actor, addresses: readonly string[]): string[] {
  return addresses.filter((address) => canSeeAddress(viewer, address));
}

/** Anything shaped like an address inside free text (a mail server's reply, an error detail). */
const ADDRESS_IN_TEXT = /[^\s<>"'(),;:[\]]+@[^\s<>"'(),;:[\]]+[^\s<>"'(),;:.[\]]/g;

/**
 * `text` with every address the viewer may not see replaced by `[hidden]`: a downstream's reply or a
 * partial-release detail names the refused recipient, which may be someone else's address.
 */
function hideAddresses(viewer: Actor, text: string): string {
  if (administersAll(viewer)) return text;
  return text.replace(ADDRESS_IN_TEXT, (found) =>
    canSeeAddress(viewer, canonicalOrAsGiven(found)) ? found : '[hidden]',
  );
}

/**
 * Scanner details with hidden addresses in every string: rspamd scans a message once with all its
 * recipients (`Rcpt`), and symbol options such as FORGED_RECIPIENTS can list them.
 */
function hideAddressesDeep(viewer: Actor, value: unknown, depth = 0): unknown {
  if (administersAll(viewer)) return value;
  if (typeof value === 'string') return hideAddresses(viewer, value);
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((entry) => hideAddressesDeep(viewer, entry, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => [
      hideAddresses(viewer, key),
      hideAddressesDeep(viewer, entry, depth + 1),
    ]),
  );
}

/**
 * The public shape of an item as `viewer` sees it: storage-only fields (tenant, lease) stay inside,
 * a release to other addresses lists only those the viewer may see, and `allowedActions` says what
 * the viewer may do with it now (the access policy's answer, so clients need no rules of their own).
 */
export function presentItem(
  item: QuarantineItem,
  viewer: Actor,
  rules: AccessRules,
): Static<typeof ItemSchema> {
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
    details: hideAddressesDeep(viewer, item.details) as Record<string, unknown>,
    status: item.status,
    receivedAt: item.receivedAt,
    updatedAt: item.updatedAt,
    expiresAt: item.expiresAt,
    release: item.release && {
      ...item.release,
      to: visibleAddresses(viewer, item.release.to),
      reply: hideAddresses(viewer, item.release.reply),
    },
    lastError: item.lastError && {
      ...item.lastError,
      detail: hideAddresses(viewer, item.lastError.detail),
      ...(item.lastError.reply === undefined ? {} : { reply: hideAddresses(viewer, item.lastError.reply) }),
    },
    version: item.version,
    allowedActions: allowedActions(viewer, item, rules),
  };
}

/**
 * A message as `viewer` sees it: its envelope lists only the recipients the viewer may see (their
 * own for a user, their domains' for a domain admin), never the others — Bcc recipients and other
 * tenants' people included.
 */
export function presentMessage(message: MessageRecord, viewer: Actor): Static<typeof MessageSchema> {
  return {
    id: message.id,
    receivedAt: message.receivedAt,
    size: message.size,
    sha256: message.sha256,
    envelope: {
      mailFrom: message.envelope.mailFrom,
      rcptTo: visibleAddresses(viewer, message.envelope.rcptTo),
    },
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

/** An audit entry as `viewer` sees it: addresses an action was sent to (`params.recipients`) only where visible. */
export function presentAuditEntry(
  stored: AuditEntry,
  viewer: Actor,
  targetUserEmail?: string,
): AuditEntry & { target: { userEmail?: string } } {
  const entry =
    targetUserEmail === undefined
      ? stored
      : { ...stored, target: { ...stored.target, userEmail: targetUserEmail } };
  const recipients = entry.params.recipients;
  if (!Array.isArray(recipients)) return entry;
  return {
    ...entry,
    params: {
      ...entry.params,
      recipients: visibleAddresses(
        viewer,
        recipients.filter((address): address is string => typeof address === 'string'),
      ),
    },
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
    language: user.language ?? null,
    totp: !mayUseTotp(user)
      ? 'unavailable'
      : !user.totp
        ? 'none'
        : user.totp.confirmedAt
          ? 'active'
          : 'pending',
    identity: user.externalId === undefined ? null : identityOf(user.externalId),
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
