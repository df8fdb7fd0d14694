import { setTimeout as delay } from 'node:timers/promises';
import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { LazaretError } from '../../core/errors.js';
import type { DynamoConnection } from './dynamo-client.js';
import { PK, SK } from './table-layout.js';

/** DynamoDB's limits per call. */
export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;

export type Key = Record<string, unknown>;
export type Record_ = Record<string, unknown>;
export type WriteRequest = { PutRequest: { Item: Record_ } } | { DeleteRequest: { Key: Key } };

export interface BatchGetOptions {
  consistent: boolean;
  projection?: string;
  names?: Record<string, string>;
}

function keyString(key: Key): string {
  return `${String(key[PK])}\u0000${String(key[SK])}`;
}

function uniqueKeys(keys: readonly Key[]): Key[] {
  const seen = new Map<string, Key>();
  for (const key of keys) seen.set(keyString(key), key);
  return [...seen.values()];
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < values.length; start += size) result.push(values.slice(start, start + size));
  return result;
}

/** Exponential back-off with full jitter between rounds of unprocessed keys. */
function backoffMs(conn: DynamoConnection, round: number): number {
  return Math.floor(Math.random() * Math.min(2_000, conn.unprocessedRetry.baseDelayMs * 2 ** round));
}

function gaveUp(operation: string, left: number, rounds: number): LazaretError {
  return new LazaretError(
    'store_throttled',
    `Storage is throttling during ${operation}: ${left} requests still unprocessed after ${rounds} rounds`,
    { operation },
  );
}

/**
 * Reads many records in calls of at most 100 keys, retrying the keys DynamoDB leaves unprocessed
 * (under throttling) with back-off. Duplicate keys are read once; missing records are absent.
 */
export async function batchGet(
  conn: DynamoConnection,
  keys: readonly Key[],
  options: BatchGetOptions,
): Promise<Record_[]> {
  const found: Record_[] = [];
  for (const chunk of chunks(uniqueKeys(keys), BATCH_GET_LIMIT)) {
    let pending: Key[] = chunk;
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= conn.unprocessedRetry.rounds) throw gaveUp('batch get', pending.length, round);
      if (round > 0) {
        conn.throttle.record({ service: 'dynamodb', operation: 'BatchGetItemCommand' });
        await delay(backoffMs(conn, round));
      }
      const output = await conn.doc.send(
        new BatchGetCommand({
          RequestItems: {
            [conn.table]: {
              Keys: pending,
              ConsistentRead: options.consistent,
              ...(options.projection ? { ProjectionExpression: options.projection } : {}),
              ...(options.names ? { ExpressionAttributeNames: options.names } : {}),
            },
          },
        }),
      );
      found.push(...((output.Responses?.[conn.table] as Record_[] | undefined) ?? []));
      pending = (output.UnprocessedKeys?.[conn.table]?.Keys as Key[] | undefined) ?? [];
    }
  }
  return found;
}

/**
 * Writes many puts and deletes in calls of at most 25, retrying what DynamoDB leaves unprocessed
 * with back-off. Not atomic: on rejection any subset may have been written. `afterChunk` is called
 * with the number of requests written so far after each call has been fully applied.
 */
export async function batchWrite(
  conn: DynamoConnection,
  requests: readonly WriteRequest[],
  options: { chunkSize?: number; afterChunk?: (written: number) => void | Promise<void> } = {},
): Promise<void> {
  let written = 0;
  for (const chunk of chunks(requests, Math.min(options.chunkSize ?? BATCH_WRITE_LIMIT, BATCH_WRITE_LIMIT))) {
    let pending: WriteRequest[] = chunk;
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= conn.unprocessedRetry.rounds) throw gaveUp('batch write', pending.length, round);
      if (round > 0) {
        conn.throttle.record({ service: 'dynamodb', operation: 'BatchWriteItemCommand' });
        await delay(backoffMs(conn, round));
      }
      const output = await conn.doc.send(new BatchWriteCommand({ RequestItems: { [conn.table]: pending } }));
      pending = (output.UnprocessedItems?.[conn.table] as WriteRequest[] | undefined) ?? [];
    }
    written += chunk.length;
    await options.afterChunk?.(written);
  }
}
