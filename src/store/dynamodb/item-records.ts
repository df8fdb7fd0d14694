import { domainOf } from '../../core/address.js';
import type { ItemStatus, MessageRecord, QuarantineItem, Reason } from '../../core/types.js';
import type { Record_ } from './batch.js';
import { classOf, GONE_SHARDS, itemIndexKeys, keys, shardOf, TTL_ATTRIBUTE } from './table-layout.js';

const DAY_SECONDS = 86_400;

/** TTL value: `graceDays` after `expiresAt`, so that the purge worker always acts first. */
export function ttlFor(expiresAt: string | null, graceDays: number): number | undefined {
  if (expiresAt === null) return undefined;
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return undefined;
  return Math.floor(at / 1000) + graceDays * DAY_SECONDS;
}

/** The base-table record of an item, with the keys of every index it belongs to. */
export function itemRecord(item: QuarantineItem, ttlGraceDays: number): Record_ {
  const ttl = ttlFor(item.expiresAt, ttlGraceDays);
  return {
    ...keys.item(item.id),
    type: 'item',
    id: item.id,
    messageId: item.messageId,
    recipient: item.recipient,
    tenant: item.tenant,
    sender: item.sender,
    fromHeader: item.fromHeader,
    subject: item.subject,
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
    lease: item.lease,
    version: item.version,
    tpk: itemIndexKeys.time(item.receivedAt),
    rpk: itemIndexKeys.recipient(item.recipient),
    npk: itemIndexKeys.tenant(item.tenant),
    spk: itemIndexKeys.sender(domainOf(item.sender)),
    lsk: itemIndexKeys.sort(classOf(item.status), item.receivedAt, item.id),
    // The sort key the item gets once gone: DynamoDB cannot build it from parts in an update.
    lskGone: itemIndexKeys.sort('G', item.receivedAt, item.id),
    ...(item.status === 'releasing' && item.lease ? itemIndexKeys.lease(item.id, item.lease.until) : {}),
    ...(item.expiresAt !== null && classOf(item.status) === 'L'
      ? itemIndexKeys.expiry(item.id, item.expiresAt)
      : {}),
    ...(classOf(item.status) === 'G'
      ? { upk: itemIndexKeys.gonePartition(shardOf(item.id, GONE_SHARDS)), usk: item.messageId }
      : {}),
    ...(ttl === undefined ? {} : { [TTL_ATTRIBUTE]: ttl }),
  };
}

/** Written with the items: the recipients held of a message with these bytes (never changes). */
export function shaRecord(
  message: MessageRecord,
  items: readonly QuarantineItem[],
  ttlGraceDays: number,
): Record_ {
  const expiries = items.map((item) => item.expiresAt);
  const latest = expiries.includes(null) ? null : ([...expiries].sort().at(-1) ?? null);
  const ttl = ttlFor(latest, ttlGraceDays);
  return {
    ...keys.sha(message.sha256, message.id),
    type: 'sha',
    recipients: [...new Set(items.map((item) => item.recipient))],
    ...(ttl === undefined ? {} : { [TTL_ATTRIBUTE]: ttl }),
  };
}

export function toItem(record: Record_): QuarantineItem {
  return {
    id: record.id as string,
    messageId: record.messageId as string,
    recipient: record.recipient as string,
    tenant: record.tenant as string,
    sender: record.sender as string,
    ...(typeof record.fromHeader === 'string' ? { fromHeader: record.fromHeader } : {}),
    ...(typeof record.subject === 'string' ? { subject: record.subject } : {}),
    size: record.size as number,
    hasAttachments: record.hasAttachments as boolean,
    reason: record.reason as Reason,
    score: (record.score ?? null) as number | null,
    details: (record.details ?? {}) as Record<string, unknown>,
    status: record.status as ItemStatus,
    receivedAt: record.receivedAt as string,
    updatedAt: record.updatedAt as string,
    expiresAt: (record.expiresAt ?? null) as string | null,
    release: (record.release ?? null) as QuarantineItem['release'],
    lastError: (record.lastError ?? null) as QuarantineItem['lastError'],
    lease: (record.lease ?? null) as QuarantineItem['lease'],
    version: record.version as number,
  };
}

export type MessageState = 'committed' | 'aborted';

/**
 * The message record is the commit marker of a message write: it is written last, on the condition
 * that no record with its key exists. A sweeper that gives up on a stuck write puts an `aborted`
 * record under the same key first, so a late commit fails instead of showing half a message.
 */
export function messageRecord(
  message: MessageRecord,
  itemIds: readonly string[],
  committedAt: string,
  ttl: number | undefined,
): Record_ {
  return {
    ...keys.message(message.id),
    type: 'message',
    state: 'committed' satisfies MessageState,
    committedAt,
    itemIds: [...itemIds],
    id: message.id,
    receivedAt: message.receivedAt,
    size: message.size,
    sha256: message.sha256,
    envelope: message.envelope,
    headers: message.headers,
    attachments: message.attachments,
    blobKey: message.blobKey,
    parseProblems: message.parseProblems,
    remoteAddress: message.remoteAddress,
    heloName: message.heloName,
    queueId: message.queueId,
    ...(ttl === undefined ? {} : { [TTL_ATTRIBUTE]: ttl }),
  };
}

export function toMessage(record: Record_): MessageRecord {
  return {
    id: record.id as string,
    receivedAt: record.receivedAt as string,
    size: record.size as number,
    sha256: record.sha256 as string,
    envelope: record.envelope as MessageRecord['envelope'],
    headers: record.headers as MessageRecord['headers'],
    attachments: record.attachments as MessageRecord['attachments'],
    blobKey: record.blobKey as string,
    parseProblems: record.parseProblems as string[],
    ...(typeof record.remoteAddress === 'string' ? { remoteAddress: record.remoteAddress } : {}),
    ...(typeof record.heloName === 'string' ? { heloName: record.heloName } : {}),
    ...(typeof record.queueId === 'string' ? { queueId: record.queueId } : {}),
  };
}
