import type { CreateTableCommandInput, GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { type ItemStatus, isLive } from '../../core/types.js';

/**
 * The single-table layout: every record's primary key, the global secondary indexes and the TTL
 * attribute. docs/dynamodb.md describes the same layout for operators; keep the two together.
 */

/** Partition and sort key of the base table. */
export const PK = 'pk';
export const SK = 'sk';
/** Sort key of singleton records (one per partition key). */
export const SINGLE = '#';

/** Epoch seconds after which DynamoDB may delete a record (a backstop behind the purge worker). */
export const TTL_ATTRIBUTE = 'ttl';

/** Attributes an item index entry carries besides the keys: everything a list filter looks at that never changes. */
const ITEM_LISTING_ATTRIBUTES = [
  'id',
  'messageId',
  'recipient',
  'tenant',
  'sender',
  'fromHeader',
  'subject',
  'size',
  'hasAttachments',
  'reason',
  'receivedAt',
];

export interface IndexSpec {
  name: string;
  partitionKey: string;
  sortKey: string;
  /** Non-key attributes copied into the index, or 'KEYS_ONLY'. */
  projection: readonly string[] | 'KEYS_ONLY';
  serves: string;
}

/**
 * Item indexes share the sort key `lsk` = `<class>#<receivedAt>#<id>`, where class is L (live:
 * quarantined, releasing, released) or G (gone: deleted, expired). Newest first is a descending
 * range read; a class is one range of a partition. Only the move to a gone status rewrites `lsk`, so
 * claims and releases never write to these indexes (their changed attributes are not projected).
 */
export const INDEXES = {
  byTime: {
    name: 'byTime',
    partitionKey: 'tpk',
    sortKey: 'lsk',
    projection: ITEM_LISTING_ATTRIBUTES,
    serves: 'list without a narrower filter: one partition per receivedAt day (T#2026-11-20)',
  },
  byRecipient: {
    name: 'byRecipient',
    partitionKey: 'rpk',
    sortKey: 'lsk',
    projection: ITEM_LISTING_ATTRIBUTES,
    serves: 'recipient filter and the user access scope (recipientIn): R#<recipient>',
  },
  byTenant: {
    name: 'byTenant',
    partitionKey: 'npk',
    sortKey: 'lsk',
    projection: ITEM_LISTING_ATTRIBUTES,
    serves: 'the domain admin access scope (tenantIn): N#<recipient domain>',
  },
  bySender: {
    name: 'bySender',
    partitionKey: 'spk',
    sortKey: 'lsk',
    projection: ITEM_LISTING_ATTRIBUTES,
    serves: 'sender filter, by address or domain: S#<sender domain>',
  },
  byLease: {
    name: 'byLease',
    partitionKey: 'xpk',
    sortKey: 'xsk',
    projection: 'KEYS_ONLY',
    serves:
      'items in releasing by lease end, to find attempts whose process died: X#<shard>, <until>#<id>; sparse',
  },
  byExpiry: {
    name: 'byExpiry',
    partitionKey: 'epk',
    sortKey: 'esk',
    projection: 'KEYS_ONLY',
    serves: 'the retention purge: live items with an expiry, by expiry: E#<shard>, <expiresAt>#<id>; sparse',
  },
  byGone: {
    name: 'byGone',
    partitionKey: 'upk',
    sortKey: 'usk',
    projection: 'KEYS_ONLY',
    serves:
      'the purge of raw messages: deleted or expired items by message id until their raw message is removed: U#<shard>, <messageId>; sparse',
  },
} as const satisfies Record<string, IndexSpec>;

export const LEASE_SHARDS = 4;
export const EXPIRY_SHARDS = 4;
export const GONE_SHARDS = 4;
export const PENDING_SHARDS = 8;

export type ItemClass = 'L' | 'G';

export function classOf(status: ItemStatus): ItemClass {
  return isLive(status) ? 'L' : 'G';
}

/** A stable small number from the random tail of a ULID. */
export function shardOf(id: string, shards: number): number {
  let hash = 0;
  for (let index = Math.max(0, id.length - 4); index < id.length; index += 1) {
    hash = (hash * 31 + id.charCodeAt(index)) >>> 0;
  }
  return hash % shards;
}

export function dayOf(timestamp: string): string {
  return timestamp.slice(0, 10);
}

export const keys = {
  item: (id: string) => ({ [PK]: `ITEM#${id}`, [SK]: SINGLE }),
  message: (id: string) => ({ [PK]: `MSG#${id}`, [SK]: SINGLE }),
  /** A message write under way: written first, deleted after the commit. */
  pending: (startedAt: string, messageId: string) => ({
    [PK]: `PENDING#${shardOf(messageId, PENDING_SHARDS)}`,
    [SK]: `${startedAt}#${messageId}`,
  }),
  pendingPartition: (shard: number) => `PENDING#${shard}`,
  /** Days that have records of a kind, so that a time-ordered list can skip empty days. */
  day: (kind: 'item' | 'audit', day: string) => ({ [PK]: dayPartition(kind), [SK]: day }),
  ping: () => ({ [PK]: 'PING', [SK]: SINGLE }),
  /** Which messages hold these exact bytes, and for whom: what a resumed import skips. */
  sha: (sha256: string, messageId: string) => ({ [PK]: `SHA#${sha256}`, [SK]: messageId }),
};

export function dayPartition(kind: 'item' | 'audit'): string {
  return kind === 'item' ? 'DAYS#ITEM' : 'DAYS#AUDIT';
}

export const itemIndexKeys = {
  time: (receivedAt: string) => `T#${dayOf(receivedAt)}`,
  recipient: (recipient: string) => `R#${recipient}`,
  tenant: (tenant: string) => `N#${tenant}`,
  sender: (senderDomain: string) => `S#${senderDomain}`,
  sort: (itemClass: ItemClass, receivedAt: string, id: string) => `${itemClass}#${receivedAt}#${id}`,
  leasePartition: (shard: number) => `X#${shard}`,
  expiry: (id: string, expiresAt: string) => ({
    epk: `E#${shardOf(id, EXPIRY_SHARDS)}`,
    esk: `${expiresAt}#${id}`,
  }),
  expiryPartition: (shard: number) => `E#${shard}`,
  gonePartition: (shard: number) => `U#${shard}`,
  lease: (id: string, until: string) => ({
    xpk: `X#${shardOf(id, LEASE_SHARDS)}`,
    xsk: `${until}#${id}`,
  }),
};

export interface Capacity {
  mode: 'on-demand' | 'provisioned';
  /** Provisioned read and write units for the table and for each index. */
  readUnits?: number;
  writeUnits?: number;
}

function throughput(capacity: Capacity) {
  return capacity.mode === 'provisioned'
    ? {
        ProvisionedThroughput: {
          ReadCapacityUnits: capacity.readUnits ?? 5,
          WriteCapacityUnits: capacity.writeUnits ?? 5,
        },
      }
    : {};
}

export function indexDefinition(spec: IndexSpec, capacity: Capacity): GlobalSecondaryIndex {
  return {
    IndexName: spec.name,
    KeySchema: [
      { AttributeName: spec.partitionKey, KeyType: 'HASH' },
      { AttributeName: spec.sortKey, KeyType: 'RANGE' },
    ],
    Projection:
      spec.projection === 'KEYS_ONLY'
        ? { ProjectionType: 'KEYS_ONLY' }
        : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...spec.projection] },
    ...throughput(capacity),
  };
}

/** Every attribute used in a key of the table or an index (all strings). */
export function keyAttributes(): string[] {
  const names = new Set<string>([PK, SK]);
  for (const spec of Object.values(INDEXES)) {
    names.add(spec.partitionKey);
    names.add(spec.sortKey);
  }
  return [...names];
}

export function createTableInput(table: string, capacity: Capacity): CreateTableCommandInput {
  return {
    TableName: table,
    AttributeDefinitions: keyAttributes().map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: PK, KeyType: 'HASH' },
      { AttributeName: SK, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: Object.values(INDEXES).map((spec) => indexDefinition(spec, capacity)),
    ...(capacity.mode === 'provisioned' ? throughput(capacity) : { BillingMode: 'PAY_PER_REQUEST' }),
  };
}
