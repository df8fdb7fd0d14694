import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { awsStoreError, isConditionFailed } from '../aws/aws-errors.js';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import { type OwnerScope, type OwnerScopeKind, parseScopeKey, scopeKey } from '../owner-scope.js';
import {
  type ListAction,
  type PutListEntryResult,
  relisted,
  type SenderListEntry,
  type SenderListFilter,
  type SenderListStore,
} from '../sender-list-store.js';
import { batchGet, type Record_ } from './batch.js';
import { isNew } from './conditions.js';
import type { DynamoConnection } from './dynamo-client.js';
import { queryPartition } from './dynamo-query.js';
import { collectBatched, filtered, mergeSorted } from './query-streams.js';
import { PK, SK } from './table-layout.js';

const KINDS: readonly OwnerScopeKind[] = ['user', 'domain', 'global'];

/**
 * Keys of the sender list records. An entry lives under its scope and sender (`SLIST#<scope>`,
 * `<sender>`), so that one scope has one entry per sender by a conditional put and the scanner's
 * lookup is one BatchGet of scope × pattern keys. `SLISTKIND#<kind>`, `<id>` points to it, for
 * reads by id and listings newest first; pointers are written before the entry, and a pointer whose
 * entry is gone or has another id is ignored.
 */
const listKeys = {
  entry: (scope: string, sender: string) => ({ [PK]: `SLIST#${scope}`, [SK]: sender }),
  pointer: (kind: OwnerScopeKind, id: string) => ({ [PK]: `SLISTKIND#${kind}`, [SK]: id }),
};

function toEntry(record: Record_): SenderListEntry {
  return {
    id: record.id as string,
    scope: parseScopeKey(record.scope as string),
    action: record.action as ListAction,
    sender: record.sender as string,
    updatedAt: record.updatedAt as string,
    updatedBy: record.updatedBy as string,
  };
}

/** Sender allow/block lists in the DynamoDB table (base-table keys only, no index). */
export class DynamoSenderListStore implements SenderListStore {
  constructor(private readonly conn: DynamoConnection) {}

  private get table(): string {
    return this.conn.table;
  }

  private async entryAt(scope: string, sender: string): Promise<Record_ | undefined> {
    const output = await this.conn.doc.send(
      new GetCommand({ TableName: this.table, Key: listKeys.entry(scope, sender), ConsistentRead: true }),
    );
    return output.Item as Record_ | undefined;
  }

  /** The entry a pointer names, if it still is the entry with that id. */
  private async resolve(pointers: readonly Record_[]): Promise<Map<string, SenderListEntry>> {
    const records = await batchGet(
      this.conn,
      pointers.map((pointer) => listKeys.entry(pointer.scope as string, pointer.sender as string)),
      { consistent: true },
    );
    const byId = new Map<string, SenderListEntry>();
    for (const record of records) byId.set(record.id as string, toEntry(record));
    return byId;
  }

  async putListEntry(entry: SenderListEntry): Promise<PutListEntryResult> {
    const scope = scopeKey(entry.scope);
    const sender = entry.sender.toLowerCase();
    const stored: SenderListEntry = { ...entry, scope: parseScopeKey(scope), sender };
    try {
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...listKeys.pointer(entry.scope.kind, entry.id), scope, sender },
        }),
      );
      for (;;) {
        try {
          await this.conn.doc.send(
            new PutCommand({
              TableName: this.table,
              Item: { ...listKeys.entry(scope, sender), type: 'sender-list', ...stored, scope },
              ...isNew,
            }),
          );
          return { entry: stored, previous: null };
        } catch (error) {
          if (!isConditionFailed(error)) throw error;
        }
        // The scope has this sender already: change that entry, keeping its id.
        await this.conn.doc.send(
          new DeleteCommand({ TableName: this.table, Key: listKeys.pointer(entry.scope.kind, entry.id) }),
        );
        try {
          const output = await this.conn.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: listKeys.entry(scope, sender),
              UpdateExpression: 'SET #action = :action, #at = :at, #by = :by',
              ConditionExpression: 'attribute_exists(#pk)',
              ExpressionAttributeNames: {
                '#pk': PK,
                '#action': 'action',
                '#at': 'updatedAt',
                '#by': 'updatedBy',
              },
              ExpressionAttributeValues: {
                ':action': entry.action,
                ':at': entry.updatedAt,
                ':by': entry.updatedBy,
              },
              ReturnValues: 'ALL_OLD',
            }),
          );
          const previous = toEntry(output.Attributes as Record_);
          return relisted(previous, entry);
        } catch (error) {
          // Removed meanwhile: add it anew.
          if (!isConditionFailed(error)) throw error;
          await this.conn.doc.send(
            new PutCommand({
              TableName: this.table,
              Item: { ...listKeys.pointer(entry.scope.kind, entry.id), scope, sender },
            }),
          );
        }
      }
    } catch (error) {
      throw awsStoreError('putListEntry', error);
    }
  }

  private async findById(id: string): Promise<SenderListEntry | null> {
    const pointers = await batchGet(
      this.conn,
      KINDS.map((kind) => listKeys.pointer(kind, id)),
      { consistent: true },
    );
    const pointer = pointers[0];
    if (!pointer) return null;
    const record = await this.entryAt(pointer.scope as string, pointer.sender as string);
    return record && record.id === id ? toEntry(record) : null;
  }

  async getListEntry(id: string): Promise<SenderListEntry | null> {
    try {
      return await this.findById(id);
    } catch (error) {
      throw awsStoreError('getListEntry', error);
    }
  }

  async removeListEntry(id: string): Promise<SenderListEntry | null> {
    try {
      const entry = await this.findById(id);
      if (!entry) return null;
      try {
        await this.conn.doc.send(
          new DeleteCommand({
            TableName: this.table,
            Key: listKeys.entry(scopeKey(entry.scope), entry.sender),
            ConditionExpression: '#id = :id',
            ExpressionAttributeNames: { '#id': 'id' },
            ExpressionAttributeValues: { ':id': id },
          }),
        );
      } catch (error) {
        if (isConditionFailed(error)) return null;
        throw error;
      }
      await this.conn.doc.send(
        new DeleteCommand({ TableName: this.table, Key: listKeys.pointer(entry.scope.kind, id) }),
      );
      return entry;
    } catch (error) {
      throw awsStoreError('removeListEntry', error);
    }
  }

  async listListEntries(filter: SenderListFilter, page: PageRequest): Promise<Page<SenderListEntry>> {
    try {
      const before = page.cursor === undefined ? undefined : decodeCursor(page.cursor).id;
      if (filter.scopes?.length === 0 || filter.kinds?.length === 0) return { items: [], nextCursor: null };
      const scopes = filter.scopes ? new Set(filter.scopes.map(scopeKey)) : null;
      const kinds = KINDS.filter(
        (kind) =>
          (!filter.kinds || filter.kinds.includes(kind)) &&
          (!filter.scopes || filter.scopes.some((scope) => scope.kind === kind)),
      );
      const streams = kinds.map((kind) =>
        queryPartition(this.conn, { partition: `SLISTKIND#${kind}`, after: before, descending: true }),
      );
      const merged = mergeSorted(streams, (record) => String(record[SK]), true);
      const pointers = filtered(
        merged,
        (pointer) =>
          (!scopes || scopes.has(pointer.scope as string)) &&
          (filter.sender === undefined || pointer.sender === filter.sender.toLowerCase()),
      );
      const found = await collectBatched(pointers, page.limit + 1, async (batch) => {
        const byId = await this.resolve(batch);
        return batch
          .map((pointer) => byId.get(pointer[SK] as string))
          .filter(
            (entry): entry is SenderListEntry =>
              entry !== undefined && (filter.action === undefined || entry.action === filter.action),
          );
      });
      return pageOf(found, page.limit, (last) => encodeCursor({ receivedAt: '', id: last.id }));
    } catch (error) {
      throw awsStoreError('listListEntries', error);
    }
  }

  async findListEntries(
    scopes: readonly OwnerScope[],
    patterns: readonly string[],
  ): Promise<SenderListEntry[]> {
    try {
      if (scopes.length === 0 || patterns.length === 0) return [];
      const keys = scopes.flatMap((scope) =>
        patterns.map((pattern) => listKeys.entry(scopeKey(scope), pattern.toLowerCase())),
      );
      return (await batchGet(this.conn, keys, { consistent: true })).map(toEntry);
    } catch (error) {
      throw awsStoreError('findListEntries', error);
    }
  }
}
