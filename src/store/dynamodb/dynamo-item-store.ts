import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import { eachLimited } from '../../core/each-limited.js';
import { LazaretError, storeError } from '../../core/errors.js';
import { canTransition } from '../../core/item-status.js';
import { isLive, type MessageRecord, type QuarantineItem, type Timestamp } from '../../core/types.js';
import { awsStoreError, isConditionFailed } from '../aws/aws-errors.js';
import { encodeCursor, pageOf } from '../cursor.js';
import {
  type ItemChange,
  type ItemFilter,
  type ItemStore,
  isNewestFirst,
  type Page,
  type PageRequest,
  type TransitionExpectation,
  type TransitionRequest,
  type TransitionResult,
} from '../item-store.js';
import { batchGet, batchWrite, type Record_ } from './batch.js';
import { CommitCache } from './commit-cache.js';
import { isNew } from './conditions.js';
import type { DynamoConnection } from './dynamo-client.js';
import { queryPartition } from './dynamo-query.js';
import { itemRecord, messageRecord, shaRecord, toItem, toMessage, ttlFor } from './item-records.js';
import {
  itemMatches,
  type ListingFields,
  type ListPlan,
  listingMatches,
  needsHeaderMessageIds,
  newestFirst,
  planListing,
} from './list-filter.js';
import { collectBatched, filtered, lastKeyPart, mapped, mergeSorted, queryRange } from './query-streams.js';
import {
  classOf,
  dayOf,
  dayPartition,
  EXPIRY_SHARDS,
  GONE_SHARDS,
  INDEXES,
  type ItemClass,
  itemIndexKeys,
  keys,
  LEASE_SHARDS,
  PENDING_SHARDS,
  PK,
  SK,
  shardOf,
  TTL_ATTRIBUTE,
} from './table-layout.js';

/** Conditional writes of one transitionMany call sent at once. */
const TRANSITION_CONCURRENCY = 25;

export interface DynamoItemStoreOptions {
  connection: DynamoConnection;
  /** Close the connection with the store (default true). */
  ownsConnection?: boolean;
  /** Days after expiresAt at which DynamoDB's TTL may delete records (default 7). */
  ttlGraceDays?: number;
  now?: () => Date;
  logger?: Logger;
  /** Items per BatchWriteItem call, 1–25 (default 25). */
  itemBatchSize?: number;
  /**
   * Test hook: called after each BatchWriteItem of putMessage with the number of items written so
   * far, before the commit marker. A throw here acts like the process dying: nothing is cleaned up.
   */
  afterItemWrites?: (written: number) => void | Promise<void>;
}

/** A message write that never committed, removed by the sweeper. */
export interface SweptWrite {
  messageId: string;
  blobKey: string;
  itemIds: string[];
  startedAt: string;
}

export interface SweepResult {
  /** Writes that died before their commit: their items are gone now; the blob is the caller's to remove. */
  removed: SweptWrite[];
  /** Writes that had committed but died before removing their pending record. */
  finished: number;
}

/** Abort records keep a crashed write from committing late; long after any write could still be running. */
const ABORT_RECORD_DAYS = 30;

class SimulatedDeath {
  constructor(readonly error: unknown) {}
}

/**
 * ItemStore on one DynamoDB table (layout: table-layout.ts, docs/dynamodb.md). No transactions: a
 * message's items are written first and become visible only when the message record — the commit
 * marker — is written last, conditionally; readers check it. A pending record written before the
 * items lets the sweeper find and remove writes that died before their commit.
 */
export class DynamoItemStore implements ItemStore {
  private readonly conn: DynamoConnection;
  private readonly ownsConnection: boolean;
  private readonly ttlGraceDays: number;
  private readonly now: () => Date;
  private readonly logger: Logger | undefined;
  private readonly itemBatchSize: number;
  private readonly afterItemWrites: ((written: number) => void | Promise<void>) | undefined;
  private readonly committed = new CommitCache(100_000);
  private readonly daysWritten = new Set<string>();

  constructor(options: DynamoItemStoreOptions) {
    this.conn = options.connection;
    this.ownsConnection = options.ownsConnection ?? true;
    this.ttlGraceDays = options.ttlGraceDays ?? 7;
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger;
    this.itemBatchSize = options.itemBatchSize ?? 25;
    this.afterItemWrites = options.afterItemWrites;
  }

  private get table(): string {
    return this.conn.table;
  }

  async putMessage(
    message: MessageRecord,
    items: readonly QuarantineItem[],
    inlineRaw?: Uint8Array,
  ): Promise<void> {
    if (inlineRaw) throw storeError('putMessage', new Error('this item store keeps no raw bytes'));
    const foreign = items.find((item) => item.messageId !== message.id);
    if (foreign) throw storeError('putMessage', new Error(`item ${foreign.id} belongs to another message`));
    const itemIds = items.map((item) => item.id);
    const startedAt = this.now().toISOString();
    const pendingKey = keys.pending(startedAt, message.id);
    try {
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...pendingKey,
            type: 'pending',
            messageId: message.id,
            blobKey: message.blobKey,
            sha256: message.sha256,
            itemIds,
            startedAt,
          },
        }),
      );
      await this.rememberDay('item', dayOf(message.receivedAt));
    } catch (error) {
      throw awsStoreError('putMessage', error);
    }

    try {
      await batchWrite(
        this.conn,
        [
          ...items.map((item) => ({ PutRequest: { Item: itemRecord(item, this.ttlGraceDays) } })),
          { PutRequest: { Item: shaRecord(message, items, this.ttlGraceDays) } },
        ],
        {
          chunkSize: this.itemBatchSize,
          afterChunk: async (written) => {
            try {
              await this.afterItemWrites?.(written);
            } catch (error) {
              throw new SimulatedDeath(error);
            }
          },
        },
      );
    } catch (error) {
      if (error instanceof SimulatedDeath) throw error.error;
      await this.discardWrite(message.id, itemIds, pendingKey, message.sha256);
      throw awsStoreError('putMessage', error);
    }

    const committedAt = this.now().toISOString();
    const expiries = items.map((item) => item.expiresAt);
    const latest = expiries.includes(null) ? null : (expiries.sort().at(-1) ?? null);
    try {
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: messageRecord(message, itemIds, committedAt, ttlFor(latest, this.ttlGraceDays)),
          ...isNew,
        }),
      );
    } catch (error) {
      // The commit may have landed although the call failed (a lost answer); find out, and make sure
      // that it cannot land later, before removing anything.
      let outcome: 'committed' | 'aborted';
      try {
        outcome = await this.settleCommit(message.id, committedAt);
      } catch (settleError) {
        this.logger?.error({ event: 'STORE_COMMIT_UNSETTLED', messageId: message.id, err: settleError });
        throw awsStoreError('putMessage', error);
      }
      if (outcome === 'aborted') {
        await this.discardWrite(message.id, itemIds, pendingKey, message.sha256);
        throw isConditionFailed(error)
          ? storeError('putMessage', new Error('the write took too long and was abandoned by the sweeper'))
          : awsStoreError('putMessage', error);
      }
    }
    this.committed.add(message.id, message.headers.messageId ?? null);
    try {
      await this.conn.doc.send(new DeleteCommand({ TableName: this.table, Key: pendingKey }));
    } catch (error) {
      this.logger?.warn({ event: 'STORE_PENDING_LEFT', messageId: message.id, err: error });
    }
  }

  /**
   * Decides a commit whose outcome is unknown: answers committed if our message record is there;
   * otherwise puts an abort record so that it can never appear, and answers aborted.
   */
  private async settleCommit(messageId: string, committedAt: string): Promise<'committed' | 'aborted'> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const existing = await this.readMessageRecord(messageId);
      if (existing) {
        return existing.state === 'committed' && existing.committedAt === committedAt
          ? 'committed'
          : 'aborted';
      }
      if (await this.putAbortRecord(messageId)) return 'aborted';
    }
    throw new Error(`could not settle the commit of message ${messageId}`);
  }

  /** Puts the abort record unless a message record exists; answers whether it did. */
  private async putAbortRecord(messageId: string): Promise<boolean> {
    const at = this.now();
    try {
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.message(messageId),
            type: 'message',
            state: 'aborted',
            abortedAt: at.toISOString(),
            [TTL_ATTRIBUTE]: Math.floor(at.getTime() / 1000) + ABORT_RECORD_DAYS * 86_400,
          },
          ...isNew,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Best-effort removal of an uncommitted write's items and pending record; the sweeper finishes what this leaves. */
  private async discardWrite(
    messageId: string,
    itemIds: string[],
    pendingKey: Record_,
    sha256: string,
  ): Promise<void> {
    try {
      await batchWrite(this.conn, [
        ...itemIds.map((id) => ({ DeleteRequest: { Key: keys.item(id) } })),
        { DeleteRequest: { Key: keys.sha(sha256, messageId) } },
        { DeleteRequest: { Key: pendingKey } },
      ]);
    } catch (error) {
      this.logger?.warn({ event: 'STORE_DISCARD_FAILED', messageId, err: error });
    }
  }

  private async readMessageRecord(messageId: string): Promise<Record_ | undefined> {
    const output = await this.conn.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.message(messageId), ConsistentRead: true }),
    );
    return output.Item as Record_ | undefined;
  }

  private async rememberDay(kind: 'item' | 'audit', day: string): Promise<void> {
    if (this.daysWritten.has(day)) return;
    await this.conn.doc.send(new PutCommand({ TableName: this.table, Item: keys.day(kind, day) }));
    this.daysWritten.add(day);
  }

  /** Which of these messages are committed; remembered, since a commit is final. */
  private async committedAmong(messageIds: Iterable<string>, consistent = true): Promise<Set<string>> {
    const wanted = new Set(messageIds);
    const unknown = [...wanted].filter((id) => !this.committed.has(id));
    if (unknown.length > 0) {
      const records = await batchGet(
        this.conn,
        unknown.map((id) => keys.message(id)),
        {
          consistent,
          projection: '#pk, #sk, #state, #headers.#messageId',
          names: {
            '#pk': PK,
            '#sk': SK,
            '#state': 'state',
            '#headers': 'headers',
            '#messageId': 'messageId',
          },
        },
      );
      for (const record of records) {
        if (record.state !== 'committed') continue;
        const headers = record.headers as { messageId?: string } | undefined;
        this.committed.add(String(record[PK]).slice('MSG#'.length), headers?.messageId ?? null);
      }
    }
    return new Set([...wanted].filter((id) => this.committed.has(id)));
  }

  /** The items whose message is committed. Listings read eventually consistent, like the indexes they come from. */
  private async visible(records: readonly Record_[], consistent = true): Promise<QuarantineItem[]> {
    const items = records.map(toItem);
    const committed = await this.committedAmong(
      items.map((item) => item.messageId),
      consistent,
    );
    return items.filter((item) => committed.has(item.messageId));
  }

  async getMessage(id: string): Promise<MessageRecord | null> {
    try {
      const record = await this.readMessageRecord(id);
      if (record?.state !== 'committed') return null;
      const message = toMessage(record);
      this.committed.add(message.id, message.headers.messageId ?? null);
      return message;
    } catch (error) {
      throw awsStoreError('getMessage', error);
    }
  }

  async getItem(id: string): Promise<QuarantineItem | null> {
    try {
      return await this.readItem(id);
    } catch (error) {
      throw awsStoreError('getItem', error);
    }
  }

  private async readItem(id: string): Promise<QuarantineItem | null> {
    const output = await this.conn.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.item(id), ConsistentRead: true }),
    );
    if (!output.Item) return null;
    const [item] = await this.visible([output.Item as Record_]);
    return item ?? null;
  }

  async getItems(ids: readonly string[]): Promise<Map<string, QuarantineItem>> {
    try {
      const records = await batchGet(
        this.conn,
        ids.map((id) => keys.item(id)),
        { consistent: true },
      );
      return new Map((await this.visible(records)).map((item) => [item.id, item]));
    } catch (error) {
      throw awsStoreError('getItems', error);
    }
  }

  /** Counts by listing (the table keeps no counts per filter): each item read costs its read units. */
  async countItems(filter: ItemFilter, limit: number): Promise<number> {
    let counted = 0;
    let cursor: string | undefined;
    do {
      const page = await this.listItems(filter, { limit: Math.min(1000, limit - counted), cursor });
      counted += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor && counted < limit);
    return counted;
  }

  async listItems(filter: ItemFilter, page: PageRequest): Promise<Page<QuarantineItem>> {
    if (!isNewestFirst(page.order)) {
      // The indexes keep items newest first only; another order would need a scan of everything.
      throw new LazaretError(
        'validation_error',
        'The DynamoDB store lists newest first only; leave out `sort`.',
      );
    }
    try {
      const plan = planListing(filter, page);
      if (plan.empty) return { items: [], nextCursor: null };
      const found =
        filter.messageId !== undefined
          ? await this.listMessageItems(filter.messageId, plan, page.limit)
          : await this.collect(this.indexEntries(plan, page.limit), plan, page.limit);
      return pageOf(found, page.limit, (last) => encodeCursor({ receivedAt: last.receivedAt, id: last.id }));
    } catch (error) {
      throw awsStoreError('listItems', error);
    }
  }

  /** Items of one message: its record lists them, so no index is needed. */
  private async listMessageItems(
    messageId: string,
    plan: ListPlan,
    limit: number,
  ): Promise<QuarantineItem[]> {
    const record = await this.readMessageRecord(messageId);
    if (record?.state !== 'committed') return [];
    const records = await batchGet(
      this.conn,
      (record.itemIds as string[]).map((id) => keys.item(id)),
      { consistent: false },
    );
    const headers = needsHeaderMessageIds(plan)
      ? new Map([
          [messageId, String((record.headers as { messageId?: string } | undefined)?.messageId ?? '')],
        ])
      : undefined;
    return (await this.visible(records, false))
      .filter((item) => itemMatches(item, plan, headers))
      .sort(newestFirst)
      .slice(0, limit + 1);
  }

  /**
   * Up to `limit + 1` matching items from a stream of index entries in list order: entries are
   * screened on their own fields, then the items are read in batches and checked as stored now.
   */
  private async collect(
    entries: AsyncIterable<Record_>,
    plan: ListPlan,
    limit: number,
  ): Promise<QuarantineItem[]> {
    const seen = new Set<string>();
    const candidates = filtered(entries, (entry) => {
      const id = entry.id as string;
      if (seen.has(id)) return false;
      seen.add(id);
      return listingMatches(entry as unknown as ListingFields, plan);
    });
    return collectBatched(
      mapped(candidates, (entry) => entry.id as string),
      limit + 1,
      async (batch) => {
        const fetched = await batchGet(
          this.conn,
          batch.map((id) => keys.item(id)),
          { consistent: false },
        );
        const items = await this.visible(fetched, false);
        const byId = new Map(items.map((item) => [item.id, item]));
        const headers = needsHeaderMessageIds(plan) ? await this.headerMessageIds(items) : undefined;
        return batch
          .map((id) => byId.get(id))
          .filter((item): item is QuarantineItem => item !== undefined && itemMatches(item, plan, headers));
      },
    );
  }

  /** Index entries that may match, newest first, from the narrowest index the filter allows. */
  private indexEntries(plan: ListPlan, limit: number): AsyncIterable<Record_> {
    const { filter } = plan;
    const classes = [...new Set(plan.statuses.map(classOf))];
    if (filter.recipient !== undefined) {
      return this.partitions(
        INDEXES.byRecipient,
        [itemIndexKeys.recipient(filter.recipient.toLowerCase())],
        classes,
        plan,
        limit,
      );
    }
    if (filter.recipientIn !== undefined) {
      return this.partitions(
        INDEXES.byRecipient,
        [...new Set(filter.recipientIn)].map(itemIndexKeys.recipient),
        classes,
        plan,
        limit,
      );
    }
    if (filter.sender !== undefined) {
      const sender = filter.sender.toLowerCase();
      const domain =
        sender.includes('@') && !sender.startsWith('@')
          ? sender.slice(sender.lastIndexOf('@') + 1)
          : sender.replace(/^@/, '');
      return this.partitions(INDEXES.bySender, [itemIndexKeys.sender(domain)], classes, plan, limit);
    }
    if (filter.tenantIn !== undefined) {
      return this.partitions(
        INDEXES.byTenant,
        [...new Set(filter.tenantIn)].map(itemIndexKeys.tenant),
        classes,
        plan,
        limit,
      );
    }
    return this.byDay(classes, plan, limit);
  }

  private partitions(
    index: { name: string; partitionKey: string; sortKey: string },
    partitionValues: readonly string[],
    classes: readonly ItemClass[],
    plan: ListPlan,
    limit: number,
  ): AsyncIterable<Record_> {
    const ranges = partitionValues.length * classes.length;
    const pageSize = Math.min(1000, Math.max(10, Math.ceil((2 * (limit + 1)) / ranges)));
    const streams = partitionValues.flatMap((value) =>
      classes.map((itemClass) =>
        queryRange(this.conn, {
          index: index.name,
          partitionAttribute: index.partitionKey,
          partitionValue: value,
          sortAttribute: index.sortKey,
          low: `${itemClass}#${plan.low}`,
          high: plan.high === undefined ? `${itemClass}#\uffff` : `${itemClass}#${plan.high}`,
          highExclusive: plan.high !== undefined,
          pageSize,
          descending: true,
        }),
      ),
    );
    // lsk without its class prefix is the list order.
    return mergeSorted(streams, (record) => String(record.lsk).slice(2), true);
  }

  /** The time index, one day partition after the other, newest day first, skipping days without items. */
  private async *byDay(
    classes: readonly ItemClass[],
    plan: ListPlan,
    limit: number,
  ): AsyncGenerator<Record_> {
    const days = queryRange(this.conn, {
      partitionAttribute: PK,
      partitionValue: dayPartition('item'),
      sortAttribute: SK,
      low: plan.low === '' ? '0' : dayOf(plan.low),
      high: plan.high === undefined ? '9999' : dayOf(plan.high),
      highExclusive: false,
      pageSize: 100,
      descending: true,
    });
    for await (const day of days) {
      yield* this.partitions(INDEXES.byTime, [itemIndexKeys.time(String(day[SK]))], classes, plan, limit);
    }
  }

  async transition(
    id: string,
    expected: TransitionExpectation,
    change: ItemChange,
  ): Promise<TransitionResult> {
    try {
      const allowedFrom = expected.status.filter((status) => canTransition(status, change.status));
      if (allowedFrom.length === 0) return { ok: false, current: await this.readItem(id) };
      const names: Record<string, string> = {
        '#pk': PK,
        '#status': 'status',
        '#updatedAt': 'updatedAt',
        '#version': 'version',
      };
      const values: Record<string, unknown> = { ':to': change.status, ':at': change.at, ':one': 1 };
      const sets = ['#status = :to', '#updatedAt = :at', '#version = #version + :one'];
      const removes: string[] = [];
      for (const field of ['release', 'lastError', 'lease'] as const) {
        if (change[field] === undefined) continue;
        names[`#${field}`] = field;
        values[`:${field}`] = change[field];
        sets.push(`#${field} = :${field}`);
      }
      if (classOf(change.status) === 'G') {
        // Out of the live ranges and the purge's expiry index; into the index of gone items by message.
        Object.assign(names, {
          '#lsk': 'lsk',
          '#lskGone': 'lskGone',
          '#epk': 'epk',
          '#esk': 'esk',
          '#upk': 'upk',
          '#usk': 'usk',
          '#messageId': 'messageId',
        });
        values[':upk'] = itemIndexKeys.gonePartition(shardOf(id, GONE_SHARDS));
        sets.push('#lsk = #lskGone', '#upk = :upk', '#usk = #messageId');
        removes.push('#epk', '#esk');
      }
      names['#xpk'] = 'xpk';
      names['#xsk'] = 'xsk';
      if (change.status === 'releasing' && change.lease) {
        const lease = itemIndexKeys.lease(id, change.lease.until);
        values[':xpk'] = lease.xpk;
        values[':xsk'] = lease.xsk;
        sets.push('#xpk = :xpk', '#xsk = :xsk');
      } else if (change.status !== 'releasing' || change.lease === null) {
        removes.push('#xpk', '#xsk');
      } else {
        delete names['#xpk'];
        delete names['#xsk'];
      }
      const from = allowedFrom.map((status, index) => {
        values[`:from${index}`] = status;
        return `:from${index}`;
      });
      let condition = `attribute_exists(#pk) AND #status IN (${from.join(', ')})`;
      if (expected.version !== undefined) {
        values[':expectedVersion'] = expected.version;
        condition += ' AND #version = :expectedVersion';
      }
      let updated: Record_;
      try {
        const output = await this.conn.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keys.item(id),
            UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        updated = output.Attributes as Record_;
      } catch (error) {
        if (isConditionFailed(error)) return { ok: false, current: await this.readItem(id) };
        throw error;
      }
      // Ids of uncommitted items are never handed out, so this only answers a caller that guessed one.
      const [item] = await this.visible([updated]);
      return item ? { ok: true, item } : { ok: false, current: null };
    } catch (error) {
      throw awsStoreError('transition', error);
    }
  }

  /** The Message-ID headers of the items' messages, for `message-id:` search terms. */
  private async headerMessageIds(items: readonly QuarantineItem[]): Promise<Map<string, string>> {
    const ids = [...new Set(items.map((item) => item.messageId))];
    const records = await batchGet(
      this.conn,
      ids.map((id) => keys.message(id)),
      { consistent: false },
    );
    return new Map(
      records.map((record) => [
        record.id as string,
        String((record.headers as { messageId?: string } | undefined)?.messageId ?? ''),
      ]),
    );
  }

  /**
   * DynamoDB has no conditional batch write (TransactWriteItems is all-or-nothing, and dynalite lacks
   * it), so each request is its own conditional UpdateItem, sent concurrently; the contract allows
   * exactly that: the batch is not atomic.
   */
  async transitionMany(requests: readonly TransitionRequest[]): Promise<TransitionResult[]> {
    const results: TransitionResult[] = new Array(requests.length);
    await eachLimited(requests, TRANSITION_CONCURRENCY, async (request, index) => {
      results[index] = await this.transition(request.id, request.expected, request.change);
    });
    return results;
  }

  async listExpiredLeases(until: Timestamp, limit: number): Promise<QuarantineItem[]> {
    try {
      return await this.itemsByShardedIndex(
        { index: INDEXES.byLease, shards: LEASE_SHARDS, partition: itemIndexKeys.leasePartition },
        { low: '0', high: `${until}#\uffff`, limit },
        (item) => item.status === 'releasing' && item.lease !== null && item.lease.until <= until,
      );
    } catch (error) {
      throw awsStoreError('listExpiredLeases', error);
    }
  }

  /**
   * Items named by a sparse, sharded KEYS_ONLY index whose sort keys end in `#<item id>`: the shards
   * merged in sort order (from `low`, skipping `low` itself), the items read consistently 100 at a time,
   * those that `keep` accepts, up to `limit`. The index only says where to look; `keep` decides.
   */
  private async itemsByShardedIndex(
    source: {
      index: (typeof INDEXES)['byLease' | 'byExpiry'];
      shards: number;
      partition: (shard: number) => string;
    },
    range: { low: string; high: string; limit: number },
    keep: (item: QuarantineItem) => boolean,
  ): Promise<QuarantineItem[]> {
    const { index } = source;
    const { low, high, limit } = range;
    const streams = Array.from({ length: source.shards }, (_, shard) =>
      queryRange(this.conn, {
        index: index.name,
        partitionAttribute: index.partitionKey,
        partitionValue: source.partition(shard),
        sortAttribute: index.sortKey,
        low,
        high,
        highExclusive: false,
        pageSize: Math.min(1000, limit + 1),
        descending: false,
      }),
    );
    const merged = mergeSorted(streams, (record) => String(record[index.sortKey]), false);
    const ids = filtered(merged, (entry) => String(entry[index.sortKey]) !== low);
    return collectBatched(
      mapped(ids, (entry) => lastKeyPart(entry[index.sortKey])),
      limit,
      async (batch) => {
        const records = await batchGet(
          this.conn,
          batch.map((id) => keys.item(id)),
          { consistent: true },
        );
        const byId = new Map((await this.visible(records)).map((item) => [item.id, item]));
        return batch
          .map((id) => byId.get(id))
          .filter((item): item is QuarantineItem => item !== undefined && keep(item));
      },
    );
  }

  async findUnreferencedMessages(messageIds: readonly string[]): Promise<{ id: string; blobKey: string }[]> {
    try {
      const unique = [...new Set(messageIds)];
      const found: { id: string; blobKey: string }[] = [];
      for (let start = 0; start < unique.length; start += 100) {
        found.push(...(await this.unreferencedAmong(unique.slice(start, start + 100))));
      }
      return found;
    } catch (error) {
      throw awsStoreError('findUnreferencedMessages', error);
    }
  }

  /** Of these messages (at most 100), the committed ones with their blob not removed and no live item. */
  private async unreferencedAmong(batch: readonly string[]): Promise<{ id: string; blobKey: string }[]> {
    const messages = await batchGet(
      this.conn,
      batch.map((id) => keys.message(id)),
      { consistent: true },
    );
    const open = new Map(
      messages
        .filter((record) => record.state === 'committed' && record.blobRemovedAt === undefined)
        .map((record) => [record.id as string, record]),
    );
    const itemIds = [...open.values()].flatMap((record) => record.itemIds as string[]);
    const statuses = await batchGet(
      this.conn,
      itemIds.map((id) => keys.item(id)),
      {
        consistent: true,
        projection: '#pk, #sk, #status, #messageId',
        names: { '#pk': PK, '#sk': SK, '#status': 'status', '#messageId': 'messageId' },
      },
    );
    const live = new Set(
      statuses
        .filter((item) => isLive(item.status as QuarantineItem['status']))
        .map((item) => item.messageId as string),
    );
    const found: { id: string; blobKey: string }[] = [];
    for (const id of batch) {
      const record = open.get(id);
      if (record && !live.has(id)) found.push({ id, blobKey: record.blobKey as string });
    }
    return found;
  }

  async countLiveItems(messageId: string): Promise<number> {
    try {
      const record = await this.readMessageRecord(messageId);
      if (record?.state !== 'committed') return 0;
      const items = await batchGet(
        this.conn,
        (record.itemIds as string[]).map((id) => keys.item(id)),
        {
          consistent: true,
          projection: '#pk, #sk, #status',
          names: { '#pk': PK, '#sk': SK, '#status': 'status' },
        },
      );
      return items.filter((item) => isLive(item.status as QuarantineItem['status'])).length;
    } catch (error) {
      throw awsStoreError('countLiveItems', error);
    }
  }

  // --- Retention purge and import ---

  async listExpired(
    now: Timestamp,
    limit: number,
    after?: { expiresAt: Timestamp; id: string },
  ): Promise<QuarantineItem[]> {
    try {
      return await this.itemsByShardedIndex(
        { index: INDEXES.byExpiry, shards: EXPIRY_SHARDS, partition: itemIndexKeys.expiryPartition },
        { low: after ? `${after.expiresAt}#${after.id}` : '0', high: `${now}#\uffff`, limit },
        (item) =>
          (item.status === 'quarantined' || item.status === 'released') &&
          item.expiresAt !== null &&
          item.expiresAt <= now,
      );
    } catch (error) {
      throw awsStoreError('listExpired', error);
    }
  }

  async findImportedRecipients(sha256: string, recipients: readonly string[]): Promise<Set<string>> {
    try {
      const wanted = new Set(recipients.map((recipient) => recipient.toLowerCase()));
      const pointers: Record_[] = [];
      for await (const record of queryPartition(this.conn, {
        partition: keys.sha(sha256, '').pk as string,
        descending: false,
        pageSize: 100,
      })) {
        pointers.push(record);
      }
      const committed = await this.committedAmong(pointers.map((pointer) => String(pointer[SK])));
      const found = new Set<string>();
      for (const pointer of pointers) {
        if (!committed.has(String(pointer[SK]))) continue;
        for (const recipient of (pointer.recipients ?? []) as string[])
          if (wanted.has(recipient)) found.add(recipient);
      }
      return found;
    } catch (error) {
      throw awsStoreError('findImportedRecipients', error);
    }
  }

  /**
   * Candidates come from the index of gone items by message id; each is checked against its message
   * record (not yet removed) and its items (none live). A message stays in that index until
   * markBlobsRemoved takes its items out.
   */
  async listUnreferencedMessages(
    afterId: string | null,
    limit: number,
  ): Promise<{ id: string; blobKey: string }[]> {
    try {
      const streams = Array.from({ length: GONE_SHARDS }, (_, shard) =>
        queryRange(this.conn, {
          index: INDEXES.byGone.name,
          partitionAttribute: INDEXES.byGone.partitionKey,
          partitionValue: itemIndexKeys.gonePartition(shard),
          sortAttribute: INDEXES.byGone.sortKey,
          low: afterId ?? '0',
          high: '\uffff',
          highExclusive: false,
          pageSize: Math.min(1000, limit + 1),
          descending: false,
        }),
      );
      let previous: string | null = afterId;
      const merged = mergeSorted(streams, (record) => String(record.usk), false);
      const messageIds = (async function* () {
        for await (const entry of merged) {
          const messageId = String(entry.usk);
          if (messageId === previous) continue;
          previous = messageId;
          yield messageId;
        }
      })();
      return collectBatched(messageIds, limit, (batch) => this.unreferencedAmong(batch));
    } catch (error) {
      throw awsStoreError('listUnreferencedMessages', error);
    }
  }

  /**
   * Two rounds of conditional writes, each sent TRANSITION_CONCURRENCY at a time (DynamoDB has no
   * conditional batch write): the message records first, then the index entries of their items.
   */
  async markBlobsRemoved(messageIds: readonly string[], at: Timestamp): Promise<number> {
    let marked = 0;
    const itemIds: string[] = [];
    try {
      await eachLimited([...new Set(messageIds)], TRANSITION_CONCURRENCY, async (messageId) => {
        try {
          const output = await this.conn.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: keys.message(messageId),
              UpdateExpression: 'SET #blobRemovedAt = :at',
              ConditionExpression:
                'attribute_exists(#pk) AND #state = :committed AND attribute_not_exists(#blobRemovedAt)',
              ExpressionAttributeNames: { '#pk': PK, '#state': 'state', '#blobRemovedAt': 'blobRemovedAt' },
              ExpressionAttributeValues: { ':at': at, ':committed': 'committed' },
              ReturnValues: 'ALL_NEW',
            }),
          );
          itemIds.push(...((output.Attributes?.itemIds ?? []) as string[]));
          marked += 1;
        } catch (error) {
          if (!isConditionFailed(error)) throw error;
          // Unknown, or marked before: finish taking its items out of the index, in case that was cut off.
          const record = await this.readMessageRecord(messageId);
          if (record?.state === 'committed') itemIds.push(...((record.itemIds ?? []) as string[]));
        }
      });
      await eachLimited(itemIds, TRANSITION_CONCURRENCY, async (itemId) => {
        try {
          await this.conn.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: keys.item(itemId),
              UpdateExpression: 'REMOVE #upk, #usk',
              ConditionExpression: 'attribute_exists(#upk)',
              ExpressionAttributeNames: { '#upk': 'upk', '#usk': 'usk' },
            }),
          );
        } catch (error) {
          if (!isConditionFailed(error)) throw error;
        }
      });
    } catch (error) {
      throw awsStoreError('markBlobsRemoved', error);
    }
    return marked;
  }

  /**
   * Removes the message writes that started before `olderThan` and never committed (their process
   * died between the item writes and the commit marker). An abort record goes in first, so a write
   * that is merely slow fails its commit instead of committing half a message. Safe to run on
   * several nodes at once.
   */
  async sweepUncommitted(olderThan: string, limit = 100): Promise<SweepResult> {
    const result: SweepResult = { removed: [], finished: 0 };
    try {
      for (
        let shard = 0;
        shard < PENDING_SHARDS && result.removed.length + result.finished < limit;
        shard += 1
      ) {
        const pending = queryRange(this.conn, {
          partitionAttribute: PK,
          partitionValue: keys.pendingPartition(shard),
          sortAttribute: SK,
          low: '0',
          high: olderThan,
          highExclusive: true,
          pageSize: limit,
          descending: false,
        });
        for await (const record of pending) {
          const write: SweptWrite = {
            messageId: record.messageId as string,
            blobKey: record.blobKey as string,
            itemIds: record.itemIds as string[],
            startedAt: record.startedAt as string,
          };
          const committed = !(await this.putAbortRecord(write.messageId))
            ? (await this.readMessageRecord(write.messageId))?.state === 'committed'
            : false;
          const pendingKey = { [PK]: record[PK], [SK]: record[SK] };
          if (committed) {
            await this.conn.doc.send(new DeleteCommand({ TableName: this.table, Key: pendingKey }));
            result.finished += 1;
          } else {
            await batchWrite(this.conn, [
              ...write.itemIds.map((id) => ({ DeleteRequest: { Key: keys.item(id) } })),
              ...(typeof record.sha256 === 'string'
                ? [{ DeleteRequest: { Key: keys.sha(record.sha256, write.messageId) } }]
                : []),
              { DeleteRequest: { Key: pendingKey } },
            ]);
            result.removed.push(write);
          }
          if (result.removed.length + result.finished >= limit) break;
        }
      }
      return result;
    } catch (error) {
      throw awsStoreError('sweepUncommitted', error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.conn.doc.send(new GetCommand({ TableName: this.table, Key: keys.ping() }));
    } catch (error) {
      throw awsStoreError('ping', error);
    }
  }

  async close(): Promise<void> {
    if (this.ownsConnection) this.conn.close();
  }
}
