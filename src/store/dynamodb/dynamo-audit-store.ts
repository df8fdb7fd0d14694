import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditFilter, AuditStore } from '../audit-store.js';
import { awsStoreError } from '../aws/aws-errors.js';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import { batchGet, batchWrite } from './batch.js';
import { isNew } from './conditions.js';
import type { DynamoConnection } from './dynamo-client.js';
import { collectBatched, mergeSorted, queryRange } from './query-streams.js';
import { dayOf, dayPartition, keys, PK, SK } from './table-layout.js';

/** Where the entry itself lives: one partition per day, sorted by time. */
function entryKey(at: string, id: string) {
  return { [PK]: `AUDIT#${dayOf(at)}`, [SK]: `${at}#${id}` };
}

/** Pointer partitions, one per filter value: each holds the sort keys of the entries it matches. */
function pointerPartition(field: 'actor' | 'action' | 'job' | 'item' | 'tenant', value: string): string {
  return `AUDX#${field}#${value}`;
}

/**
 * The audit log in the DynamoDB table. Each entry is one record in its day's partition, plus a small
 * pointer record per filterable value (actor, action, job, each item, each tenant). Pointers are
 * written first and the entry last, on the condition that it is new: an entry is either wholly
 * findable or, after a crash, not there at all, and no entry is ever overwritten.
 */
export class DynamoAuditStore implements AuditStore {
  private readonly daysWritten = new Set<string>();

  constructor(
    private readonly conn: DynamoConnection,
    private readonly ownsConnection = false,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    try {
      const day = dayOf(entry.at);
      if (!this.daysWritten.has(day)) {
        await this.conn.doc.send(
          new PutCommand({ TableName: this.conn.table, Item: keys.day('audit', day) }),
        );
        this.daysWritten.add(day);
      }
      const sortKey = `${entry.at}#${entry.id}`;
      const pointers = new Set<string>([
        pointerPartition('actor', entry.actor.id),
        pointerPartition('action', entry.action),
        ...(entry.target.jobId === undefined ? [] : [pointerPartition('job', entry.target.jobId)]),
        ...(entry.target.itemIds ?? []).map((id) => pointerPartition('item', id)),
        ...entry.tenants.map((tenant) => pointerPartition('tenant', tenant)),
      ]);
      await batchWrite(
        this.conn,
        [...pointers].map((partition) => ({ PutRequest: { Item: { [PK]: partition, [SK]: sortKey } } })),
      );
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.conn.table,
          Item: { ...entryKey(entry.at, entry.id), type: 'audit', entry },
          ...isNew,
        }),
      );
    } catch (error) {
      throw awsStoreError('audit append', error);
    }
  }

  async listAudit(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    try {
      if (filter.tenantIn?.length === 0 || filter.actorIdIn?.length === 0)
        return { items: [], nextCursor: null };
      let high = filter.before;
      if (page.cursor !== undefined) {
        const position = decodeCursor(page.cursor);
        const cursorKey = `${position.receivedAt}#${position.id}`;
        if (high === undefined || cursorKey < high) high = cursorKey;
      }
      const low = filter.after ?? '0';
      if (high !== undefined && high <= low) return { items: [], nextCursor: null };

      const keys = this.sortKeys(filter, low, high, page.limit);
      const found = await collectBatched(keys, page.limit + 1, async (batch) => {
        const records = await batchGet(
          this.conn,
          batch.map((sortKey) =>
            entryKey(sortKey.slice(0, sortKey.lastIndexOf('#')), sortKey.slice(sortKey.lastIndexOf('#') + 1)),
          ),
          { consistent: true },
        );
        const bySortKey = new Map(records.map((record) => [String(record[SK]), record.entry as AuditEntry]));
        return batch
          .map((sortKey) => bySortKey.get(sortKey))
          .filter((entry): entry is AuditEntry => entry !== undefined && matches(entry, filter));
      });
      return pageOf(found, page.limit, (last) => encodeCursor({ receivedAt: last.at, id: last.id }));
    } catch (error) {
      throw awsStoreError('audit list', error);
    }
  }

  /** Sort keys (`<at>#<id>`) of candidate entries, newest first, from the narrowest pointer partition. */
  private async *sortKeys(
    filter: AuditFilter,
    low: string,
    high: string | undefined,
    limit: number,
  ): AsyncGenerator<string> {
    const range = (partition: string, pageSize: number) =>
      queryRange(this.conn, {
        partitionAttribute: PK,
        partitionValue: partition,
        sortAttribute: SK,
        low,
        high: high ?? '\uffff',
        highExclusive: high !== undefined,
        pageSize,
        descending: true,
      });
    const pageSize = Math.min(1000, limit + 1);
    const single =
      filter.itemId !== undefined
        ? pointerPartition('item', filter.itemId)
        : filter.jobId !== undefined
          ? pointerPartition('job', filter.jobId)
          : filter.actorId !== undefined
            ? pointerPartition('actor', filter.actorId)
            : filter.action !== undefined
              ? pointerPartition('action', filter.action)
              : undefined;
    if (single !== undefined) {
      for await (const record of range(single, pageSize)) yield String(record[SK]);
      return;
    }
    // A set of values: the pointer partitions of each, merged newest first without repeats.
    const anyOf =
      filter.actorIdIn !== undefined
        ? [...new Set(filter.actorIdIn)].map((id) => pointerPartition('actor', id))
        : filter.tenantIn !== undefined
          ? [...new Set(filter.tenantIn)].map((tenant) => pointerPartition('tenant', tenant))
          : undefined;
    if (anyOf !== undefined) {
      const streams = anyOf.map((partition) => range(partition, pageSize));
      let previous: string | undefined;
      for await (const record of mergeSorted(streams, (each) => String(each[SK]), true)) {
        const sortKey = String(record[SK]);
        if (sortKey !== previous) yield sortKey;
        previous = sortKey;
      }
      return;
    }
    const days = queryRange(this.conn, {
      partitionAttribute: PK,
      partitionValue: dayPartition('audit'),
      sortAttribute: SK,
      low: dayOf(low),
      high: high === undefined ? '9999' : dayOf(high),
      highExclusive: false,
      pageSize: 100,
      descending: true,
    });
    for await (const day of days) {
      for await (const record of range(`AUDIT#${String(day[SK])}`, pageSize)) yield String(record[SK]);
    }
  }

  async close(): Promise<void> {
    if (this.ownsConnection) this.conn.close();
  }
}

function matches(entry: AuditEntry, filter: AuditFilter): boolean {
  if (filter.action !== undefined && entry.action !== filter.action) return false;
  if (filter.actorId !== undefined && entry.actor.id !== filter.actorId) return false;
  if (filter.actorIdIn !== undefined && !filter.actorIdIn.includes(entry.actor.id)) return false;
  if (filter.jobId !== undefined && entry.target.jobId !== filter.jobId) return false;
  if (filter.itemId !== undefined && !(entry.target.itemIds ?? []).includes(filter.itemId)) return false;
  if (filter.tenantIn !== undefined && !entry.tenants.some((tenant) => filter.tenantIn!.includes(tenant))) {
    return false;
  }
  if (filter.after !== undefined && entry.at < filter.after) return false;
  if (filter.before !== undefined && entry.at >= filter.before) return false;
  return true;
}
