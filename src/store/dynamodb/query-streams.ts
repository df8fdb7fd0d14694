import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor } from '../cursor.js';
import type { PageRequest } from '../item-store.js';
import type { Record_ } from './batch.js';
import type { DynamoConnection } from './dynamo-client.js';
import { PK, SK } from './table-layout.js';

export interface RangeQuery {
  /** Index name, or undefined for the base table. */
  index?: string | undefined;
  partitionAttribute: string;
  partitionValue: string;
  sortAttribute: string;
  /** Inclusive bounds on the sort key; `high` itself is left out when `highExclusive`. */
  low: string;
  high: string;
  highExclusive: boolean;
  /** Records per call. */
  pageSize: number;
  descending: boolean;
}

/**
 * The records of one key range in sort order, read lazily a page at a time. Reads of the base table
 * are strongly consistent (job items, pending writes, users: what was just written must be seen);
 * index reads cannot be, and their callers re-read the records they return.
 */
export async function* queryRange(conn: DynamoConnection, query: RangeQuery): AsyncGenerator<Record_> {
  if (query.low > query.high) return;
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await conn.doc.send(
      new QueryCommand({
        TableName: conn.table,
        ...(query.index ? { IndexName: query.index } : {}),
        KeyConditionExpression: '#p = :p AND #s BETWEEN :low AND :high',
        ExpressionAttributeNames: { '#p': query.partitionAttribute, '#s': query.sortAttribute },
        ExpressionAttributeValues: { ':p': query.partitionValue, ':low': query.low, ':high': query.high },
        ScanIndexForward: !query.descending,
        ...(query.index ? {} : { ConsistentRead: true }),
        Limit: query.pageSize,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const record of (output.Items ?? []) as Record_[]) {
      if (query.highExclusive && record[query.sortAttribute] === query.high) continue;
      yield record;
    }
    startKey = output.LastEvaluatedKey;
  } while (startKey);
}

/**
 * Merges streams that are each sorted by `orderKey` into one sorted stream (descending or
 * ascending), reading each stream only as far as needed. Streams are few (the ranges of one listing),
 * so the head is found by a linear scan.
 */
export async function* mergeSorted<T>(
  streams: readonly AsyncIterator<T>[],
  orderKey: (value: T) => string,
  descending: boolean,
): AsyncGenerator<T> {
  const heads: ({ value: T; key: string } | null)[] = [];
  const advance = async (index: number) => {
    const next = await streams[index]!.next();
    heads[index] = next.done ? null : { value: next.value, key: orderKey(next.value) };
  };
  await Promise.all(streams.map((_, index) => advance(index)));
  for (;;) {
    let best = -1;
    for (let index = 0; index < heads.length; index += 1) {
      const head = heads[index];
      if (!head) continue;
      const current = best === -1 ? null : heads[best]!;
      if (!current || (descending ? head.key > current.key : head.key < current.key)) best = index;
    }
    if (best === -1) return;
    yield heads[best]!.value;
    await advance(best);
  }
}

/** Ends every stream early (closes pending generators) when a consumer stops reading. */
export async function closeAll(streams: readonly AsyncIterator<unknown>[]): Promise<void> {
  await Promise.all(streams.map((stream) => stream.return?.(undefined)));
}

/** The id at the end of a sort key `…#id`. */
export function lastKeyPart(sortKey: unknown): string {
  const text = String(sortKey);
  return text.slice(text.lastIndexOf('#') + 1);
}

/**
 * The ids listed in a newest-first index partition whose sort keys are `createdAt#id` (jobs, API
 * tokens), from after a list cursor on, read a page at a time; the caller reads the records.
 */
export async function* newestFirstIds(
  conn: DynamoConnection,
  partitionValue: string,
  page: PageRequest,
): AsyncGenerator<string> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const entries = queryRange(conn, {
    partitionAttribute: PK,
    partitionValue,
    sortAttribute: SK,
    low: '0',
    high: after === undefined ? '\uffff' : `${after.receivedAt}#${after.id}`,
    highExclusive: after !== undefined,
    pageSize: Math.min(1000, page.limit + 1),
    descending: true,
  });
  for await (const entry of entries) yield lastKeyPart(entry[SK]);
}

/**
 * Reads what `keys` name in batches until `wanted` values are kept: a batch is at most `maxBatch`
 * keys and no more than are still wanted (a page whose keys all match costs one read), and `read`
 * answers the values it keeps of a batch, in key order. Answers at most `wanted` values.
 */
export async function collectBatched<K, T>(
  keys: AsyncIterable<K>,
  wanted: number,
  read: (batch: K[]) => Promise<T[]>,
  maxBatch = 100,
): Promise<T[]> {
  const found: T[] = [];
  let batch: K[] = [];
  for await (const key of keys) {
    batch.push(key);
    if (batch.length >= Math.min(maxBatch, wanted - found.length)) {
      found.push(...(await read(batch)));
      batch = [];
      if (found.length >= wanted) break;
    }
  }
  if (batch.length > 0 && found.length < wanted) found.push(...(await read(batch)));
  return found.slice(0, wanted);
}

/** The values of `source` that `keep` accepts, read lazily. */
export async function* filtered<T>(source: AsyncIterable<T>, keep: (value: T) => boolean): AsyncGenerator<T> {
  for await (const value of source) if (keep(value)) yield value;
}

/** The values of `source` as `map` turns them, read lazily. */
export async function* mapped<T, U>(source: AsyncIterable<T>, map: (value: T) => U): AsyncGenerator<U> {
  for await (const value of source) yield map(value);
}
