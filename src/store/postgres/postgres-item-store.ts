import type pg from 'pg';
import { domainOf } from '../../core/address.js';
import { canTransition } from '../../core/item-status.js';
import type { SearchTerm } from '../../core/search-query.js';
import { type ItemStatus, LIVE_STATUSES, type MessageRecord, type QuarantineItem } from '../../core/types.js';
import { decodeCursor, decodeOrderedCursor, encodeCursor, encodeOrderedCursor, pageOf } from '../cursor.js';
import { type ItemRow, itemOfRow, type MessageRow, messageOfRow } from '../item-rows.js';
import {
  type ItemChange,
  type ItemFilter,
  type ItemOrderField,
  type ItemStore,
  isNewestFirst,
  type Page,
  type PageRequest,
  type TransitionExpectation,
  type TransitionRequest,
  type TransitionResult,
} from '../item-store.js';
import { statusCountOf } from '../status-count.js';
import { postgresError } from './postgres-errors.js';
import { POSTGRES_ITEM_MIGRATIONS } from './postgres-item-schema.js';
import { migratePostgres } from './postgres-migrations.js';
import { inTransaction, jsonParam, queryRows } from './postgres-query.js';
import { POSTGRES_STATS_MIGRATIONS } from './postgres-stats-schema.js';

export interface PostgresItemStoreOptions {
  pool: pg.Pool;
  /** Whether close() ends the pool (false when other stores share it). */
  ownsPool?: boolean;
  /** Test hook: called inside putMessage after each item row is written, before the commit. */
  afterItemWrite?: (index: number) => void;
}

/** PostgreSQL returns bigint columns as strings. */
interface PostgresItemRow extends Omit<ItemRow, 'size'> {
  size: string;
}

interface PostgresMessageRow extends Omit<MessageRow, 'size'> {
  size: string;
}

/** The columns an item is read from (not the search helpers). */
const ITEM_COLUMNS = `id, message_id, recipient, tenant, sender, from_header, subject, size, has_attachments,
  reason, score, details, status, received_at, updated_at, expires_at, release, last_error, lease_owner,
  lease_until, version`;

function toItem(row: PostgresItemRow): QuarantineItem {
  return itemOfRow({ ...row, size: Number(row.size) });
}

function toMessage(row: PostgresMessageRow): MessageRecord {
  return messageOfRow({ ...row, size: Number(row.size) });
}

/** An item as the row jsonb_populate_recordset(NULL::items, …) reads. */
function itemRecord(item: QuarantineItem): Record<string, unknown> {
  return {
    id: item.id,
    message_id: item.messageId,
    recipient: item.recipient,
    tenant: item.tenant,
    sender: item.sender,
    sender_domain: domainOf(item.sender.toLowerCase()),
    from_header: item.fromHeader ?? null,
    from_folded: item.fromHeader?.toLowerCase() ?? null,
    subject: item.subject ?? null,
    subject_folded: item.subject?.toLowerCase() ?? null,
    size: item.size,
    has_attachments: item.hasAttachments,
    reason: item.reason,
    score: item.score,
    details: item.details,
    status: item.status,
    received_at: item.receivedAt,
    updated_at: item.updatedAt,
    expires_at: item.expiresAt,
    release: item.release,
    last_error: item.lastError,
    lease_owner: item.lease?.owner ?? null,
    lease_until: item.lease?.until ?? null,
    version: item.version,
  };
}

function messageRecord(message: MessageRecord): Record<string, unknown> {
  return {
    id: message.id,
    received_at: message.receivedAt,
    size: message.size,
    sha256: message.sha256,
    blob_key: message.blobKey,
    envelope: message.envelope,
    headers: message.headers,
    attachments: message.attachments,
    parse_problems: message.parseProblems,
    remote_address: message.remoteAddress ?? null,
    helo_name: message.heloName ?? null,
    queue_id: message.queueId ?? null,
  };
}

/** Sort expression per order field, and the value of an item for the cursor (matching the expression). */
const ORDER_COLUMNS: Record<
  ItemOrderField,
  { expression: string; cast: string; value: (item: QuarantineItem) => string | number }
> = {
  receivedAt: { expression: 'received_at', cast: 'text', value: (item) => item.receivedAt },
  sender: { expression: 'sender', cast: 'text', value: (item) => item.sender },
  recipient: { expression: 'recipient', cast: 'text', value: (item) => item.recipient },
  subject: { expression: "coalesce(subject, '')", cast: 'text', value: (item) => item.subject ?? '' },
  reason: { expression: 'reason', cast: 'text', value: (item) => item.reason },
  score: { expression: 'coalesce(score, -1e300)', cast: 'float8', value: (item) => item.score ?? -1e300 },
  size: { expression: 'size', cast: 'bigint', value: (item) => item.size },
};

function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Numbered parameters of one statement. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** One search term as an SQL condition that is never NULL, so that NOT works as negation. */
function termSql(term: SearchTerm, params: Params): string {
  const contains = (folded: string, value: string) =>
    `coalesce(${folded}, '') LIKE ${params.add(likeContaining(value.toLowerCase()))}`;
  const address = (column: string, value: string) =>
    `strpos(lower(${column}), ${params.add(value.toLowerCase())}) > 0`;
  switch (term.kind) {
    case 'text':
      switch (term.field) {
        case 'from':
          return `(${address('sender', term.value)} OR ${contains('from_folded', term.value)})`;
        case 'to':
          return address('recipient', term.value);
        case 'subject':
          return contains('subject_folded', term.value);
        default:
          return `(${contains('subject_folded', term.value)} OR ${contains('from_folded', term.value)} OR ${address('sender', term.value)} OR ${address('recipient', term.value)})`;
      }
    case 'reason':
      return oneOf('reason', term.values, params);
    case 'status':
      return oneOf('status', term.values, params);
    case 'message_id': {
      const value = params.add(term.value);
      return `(message_id = ${value} OR message_id IN (SELECT id FROM messages WHERE btrim(headers->>'messageId', ' <>') = ${value}))`;
    }
    case 'after':
      return `received_at >= ${params.add(term.at)}`;
    case 'before':
      return `received_at < ${params.add(term.at)}`;
    case 'larger':
      return `size > ${params.add(term.bytes)}`;
    case 'smaller':
      return `size < ${params.add(term.bytes)}`;
    case 'has_attachment':
      return 'has_attachments';
  }
}

/**
 * `column` equal to one of `values`. A single value is compared with `=`: the planner then walks the
 * (column, received_at) index in the listing's order and stops at the page size; for `= ANY($n)`, even
 * with one element, PostgreSQL 15 reads every match and sorts it.
 */
function oneOf(column: string, values: readonly string[], params: Params): string {
  return values.length === 1
    ? `${column} = ${params.add(values[0]!)}`
    : `${column} = ANY(${params.add([...values])})`;
}

/** The WHERE conditions of a list filter; shared by listing and counting. */
function whereOf(filter: ItemFilter, params: Params): string[] {
  const conditions: string[] = [];
  const inList = (column: string, values: readonly string[]) => {
    conditions.push(values.length === 0 ? 'false' : oneOf(column, values, params));
  };
  if (filter.recipientIn !== undefined) inList('recipient', filter.recipientIn);
  if (filter.tenantIn !== undefined) inList('tenant', filter.tenantIn);
  if (filter.recipient !== undefined)
    conditions.push(`recipient = ${params.add(filter.recipient.toLowerCase())}`);
  if (filter.sender !== undefined) {
    const sender = filter.sender.toLowerCase();
    if (sender.includes('@') && !sender.startsWith('@')) conditions.push(`sender = ${params.add(sender)}`);
    else conditions.push(`sender_domain = ${params.add(sender.replace(/^@/, ''))}`);
  }
  if (filter.subject !== undefined) {
    conditions.push(`subject_folded LIKE ${params.add(likeContaining(filter.subject.toLowerCase()))}`);
  }
  if (filter.reasons !== undefined) inList('reason', filter.reasons);
  inList('status', filter.statuses ?? LIVE_STATUSES);
  if (filter.receivedAfter !== undefined)
    conditions.push(`received_at >= ${params.add(filter.receivedAfter)}`);
  if (filter.receivedBefore !== undefined)
    conditions.push(`received_at < ${params.add(filter.receivedBefore)}`);
  if (filter.messageId !== undefined) conditions.push(`message_id = ${params.add(filter.messageId)}`);
  for (const term of filter.terms ?? []) {
    const sql = termSql(term, params);
    conditions.push(term.negated ? `NOT ${sql}` : sql);
  }
  return conditions;
}

/** One conditional write as a row of the batched UPDATE (see transitionMany). */
function transitionRecord(index: number, request: TransitionRequest, allowedFrom: readonly ItemStatus[]) {
  const { change } = request;
  return {
    ord: index,
    id: request.id,
    allowed: allowedFrom,
    expected_version: request.expected.version ?? null,
    status: change.status,
    at: change.at,
    set_release: change.release !== undefined,
    release: change.release ?? null,
    set_last_error: change.lastError !== undefined,
    last_error: change.lastError ?? null,
    set_lease: change.lease !== undefined,
    lease_owner: change.lease?.owner ?? null,
    lease_until: change.lease?.until ?? null,
  };
}

/**
 * Each request row is applied to its item only when the item is in one of the allowed statuses (and
 * at the expected version): READ COMMITTED re-checks that condition on the newest row version, so of
 * two concurrent writers with the same expectation exactly one matches. The rows are locked first in
 * id order, so that two nodes' overlapping batches wait for each other instead of deadlocking.
 */
const TRANSITION_SQL = `
  WITH request AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
      ord int, id text, allowed text[], expected_version int, status text, at text,
      set_release boolean, release jsonb, set_last_error boolean, last_error jsonb,
      set_lease boolean, lease_owner text, lease_until text)),
  locked AS (
    SELECT items.id FROM items JOIN request ON request.id = items.id ORDER BY items.id FOR UPDATE OF items)
  UPDATE items SET
    status = request.status,
    updated_at = request.at,
    version = items.version + 1,
    release = CASE WHEN request.set_release THEN nullif(request.release, 'null'::jsonb) ELSE items.release END,
    last_error = CASE WHEN request.set_last_error THEN nullif(request.last_error, 'null'::jsonb) ELSE items.last_error END,
    lease_owner = CASE WHEN request.set_lease THEN request.lease_owner ELSE items.lease_owner END,
    lease_until = CASE WHEN request.set_lease THEN request.lease_until ELSE items.lease_until END
  FROM request
  WHERE items.id = request.id AND items.id IN (SELECT id FROM locked) AND items.status = ANY(request.allowed)
    AND (request.expected_version IS NULL OR items.version = request.expected_version)
  RETURNING request.ord, ${ITEM_COLUMNS.replace(/(\w+)/g, 'items.$1')}`;

/** The ItemStore on PostgreSQL: a connection pool shared by the nodes' processes. */
export class PostgresItemStore implements ItemStore {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly afterItemWrite: ((index: number) => void) | undefined;
  private closed = false;

  private constructor(options: PostgresItemStoreOptions) {
    this.pool = options.pool;
    this.ownsPool = options.ownsPool ?? false;
    this.afterItemWrite = options.afterItemWrite;
  }

  /** Opens the store after bringing its schema up to date (see migratePostgres). */
  static async open(options: PostgresItemStoreOptions): Promise<PostgresItemStore> {
    try {
      // countItems reads the counters of the stats schema, which the item writes keep.
      await migratePostgres(options.pool, [POSTGRES_ITEM_MIGRATIONS, POSTGRES_STATS_MIGRATIONS]);
    } catch (error) {
      throw postgresError('migrate', error);
    }
    return new PostgresItemStore(options);
  }

  private query<R extends pg.QueryResultRow>(
    operation: string,
    sql: string,
    values: readonly unknown[] = [],
  ): Promise<R[]> {
    if (this.closed) return Promise.reject(postgresError(operation, new Error('the item store is closed')));
    return queryRows<R>(this.pool, operation, sql, values);
  }

  async putMessage(
    message: MessageRecord,
    items: readonly QuarantineItem[],
    inlineRaw?: Uint8Array,
  ): Promise<void> {
    if (inlineRaw) throw postgresError('putMessage', new Error('this item store keeps no raw bytes'));
    await this.putMessages([{ message, items }]);
  }

  /**
   * Writes many messages with their items in one transaction: the fast path for bulk loading
   * (imports, benchmarks). All or nothing, like putMessage.
   */
  async putMessages(
    entries: readonly { message: MessageRecord; items: readonly QuarantineItem[] }[],
  ): Promise<void> {
    if (this.closed) throw postgresError('putMessage', new Error('the item store is closed'));
    await inTransaction(this.pool, 'putMessage', async (client) => {
      await client.query('INSERT INTO messages SELECT * FROM jsonb_populate_recordset(NULL::messages, $1)', [
        jsonParam(entries.map((entry) => messageRecord(entry.message))),
      ]);
      const rows = entries.flatMap((entry) => entry.items.map(itemRecord));
      const insertItems = 'INSERT INTO items SELECT * FROM jsonb_populate_recordset(NULL::items, $1)';
      if (this.afterItemWrite === undefined) {
        await client.query(insertItems, [jsonParam(rows)]);
        return;
      }
      for (const [index, row] of rows.entries()) {
        await client.query(insertItems, [jsonParam([row])]);
        this.afterItemWrite(index);
      }
    });
  }

  async getMessage(id: string): Promise<MessageRecord | null> {
    const rows = await this.query<PostgresMessageRow>('getMessage', 'SELECT * FROM messages WHERE id = $1', [
      id,
    ]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async getItem(id: string): Promise<QuarantineItem | null> {
    const rows = await this.query<PostgresItemRow>(
      'getItem',
      `SELECT ${ITEM_COLUMNS} FROM items WHERE id = $1`,
      [id],
    );
    return rows[0] ? toItem(rows[0]) : null;
  }

  async getItems(ids: readonly string[]): Promise<Map<string, QuarantineItem>> {
    const found = new Map<string, QuarantineItem>();
    if (ids.length === 0) return found;
    const rows = await this.query<PostgresItemRow>(
      'getItems',
      `SELECT ${ITEM_COLUMNS} FROM items WHERE id = ANY($1)`,
      [[...new Set(ids)]],
    );
    for (const row of rows) found.set(row.id, toItem(row));
    return found;
  }

  async listItems(filter: ItemFilter, page: PageRequest): Promise<Page<QuarantineItem>> {
    const params = new Params();
    const conditions = whereOf(filter, params);
    if (!isNewestFirst(page.order)) {
      const order = page.order!;
      const { expression, cast, value } = ORDER_COLUMNS[order.field];
      const key = `${order.field}:${order.direction}`;
      const direction = order.direction === 'asc' ? 'ASC' : 'DESC';
      if (page.cursor !== undefined) {
        const after = decodeOrderedCursor(page.cursor, key);
        conditions.push(
          `(${expression}, id) ${order.direction === 'asc' ? '>' : '<'} (${params.add(after.value)}::${cast}, ${params.add(after.id)})`,
        );
      }
      const rows = await this.query<PostgresItemRow>(
        'listItems',
        `SELECT ${ITEM_COLUMNS} FROM items WHERE ${conditions.join(' AND ')}
         ORDER BY ${expression} ${direction}, id ${direction} LIMIT ${params.add(page.limit + 1)}`,
        params.values,
      );
      return pageOf(
        rows,
        page.limit,
        (last) => encodeOrderedCursor({ order: key, value: value(last), id: last.id }),
        toItem,
      );
    }
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor);
      conditions.push(`(received_at, id) < (${params.add(after.receivedAt)}, ${params.add(after.id)})`);
    }
    const rows = await this.query<PostgresItemRow>(
      'listItems',
      `SELECT ${ITEM_COLUMNS} FROM items WHERE ${conditions.join(' AND ')}
       ORDER BY received_at DESC, id DESC LIMIT ${params.add(page.limit + 1)}`,
      params.values,
    );
    return pageOf(
      rows,
      page.limit,
      (last) => encodeCursor({ receivedAt: last.receivedAt, id: last.id }),
      toItem,
    );
  }

  async countItems(filter: ItemFilter, limit: number): Promise<number> {
    const counted = statusCountOf(filter, limit);
    if (counted !== undefined) {
      // The counters of items per tenant and status (postgres-stats-schema.ts), which the statement
      // triggers keep in the transaction of every item write: exact in any snapshot.
      const byTenant = counted.tenants === undefined ? '' : 'AND tenant = ANY($3::text[])';
      const rows = await this.query<{ n: number }>(
        'countItems',
        `SELECT least($1::bigint, coalesce(sum(n), 0))::int AS n FROM stats_status
         WHERE status = ANY($2::text[]) ${byTenant}`,
        [limit, counted.statuses, ...(counted.tenants === undefined ? [] : [counted.tenants])],
      );
      return rows[0]!.n;
    }
    const params = new Params();
    const conditions = whereOf(filter, params);
    const rows = await this.query<{ n: number }>(
      'countItems',
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM items WHERE ${conditions.join(' AND ')} LIMIT ${params.add(limit)}) AS matching`,
      params.values,
    );
    return rows[0]!.n;
  }

  async transition(
    id: string,
    expected: TransitionExpectation,
    change: ItemChange,
  ): Promise<TransitionResult> {
    const [result] = await this.transitionMany([{ id, expected, change }]);
    return result!;
  }

  /**
   * One UPDATE for the whole batch, then one read of the items whose condition failed. A batch that
   * names an id twice is applied request by request, in order.
   */
  async transitionMany(requests: readonly TransitionRequest[]): Promise<TransitionResult[]> {
    if (requests.length === 0) return [];
    if (new Set(requests.map((request) => request.id)).size < requests.length) {
      const results: TransitionResult[] = [];
      for (const request of requests) results.push(...(await this.transitionMany([request])));
      return results;
    }
    const results: (TransitionResult | undefined)[] = new Array(requests.length);
    const records = [];
    for (const [index, request] of requests.entries()) {
      const allowedFrom = request.expected.status.filter((status) =>
        canTransition(status, request.change.status),
      );
      if (allowedFrom.length > 0) records.push(transitionRecord(index, request, allowedFrom));
    }
    if (records.length > 0) {
      const updated = await this.query<PostgresItemRow & { ord: number }>('transitionMany', TRANSITION_SQL, [
        jsonParam(records),
      ]);
      for (const row of updated) results[row.ord] = { ok: true, item: toItem(row) };
    }
    const failedIds = requests
      .filter((_, index) => results[index] === undefined)
      .map((request) => request.id);
    if (failedIds.length > 0) {
      const current = await this.getItems(failedIds);
      for (const [index, request] of requests.entries()) {
        results[index] ??= { ok: false, current: current.get(request.id) ?? null };
      }
    }
    return results as TransitionResult[];
  }

  async listExpiredLeases(until: string, limit: number): Promise<QuarantineItem[]> {
    const rows = await this.query<PostgresItemRow>(
      'listExpiredLeases',
      `SELECT ${ITEM_COLUMNS} FROM items
       WHERE lease_until IS NOT NULL AND status = 'releasing' AND lease_until <= $1
       ORDER BY lease_until LIMIT $2`,
      [until, limit],
    );
    return rows.map(toItem);
  }

  async countLiveItems(messageId: string): Promise<number> {
    const rows = await this.query<{ live: number }>(
      'countLiveItems',
      'SELECT count(*)::int AS live FROM items WHERE message_id = $1 AND status = ANY($2)',
      [messageId, [...LIVE_STATUSES]],
    );
    return rows[0]!.live;
  }

  // --- Retention purge and import (issue 8) ---

  async listExpired(
    now: string,
    limit: number,
    after?: { expiresAt: string; id: string },
  ): Promise<QuarantineItem[]> {
    // The status list is written out so that the planner can use the partial index items_expiring.
    const rows = await this.query<PostgresItemRow>(
      'listExpired',
      `SELECT ${ITEM_COLUMNS} FROM items
       WHERE expires_at IS NOT NULL AND status IN ('quarantined', 'released') AND expires_at <= $1
         AND (expires_at, id) > ($2, $3)
       ORDER BY expires_at, id LIMIT $4`,
      [now, after?.expiresAt ?? '', after?.id ?? '', limit],
    );
    return rows.map(toItem);
  }

  async findImportedRecipients(sha256: string, recipients: readonly string[]): Promise<Set<string>> {
    const wanted = [...new Set(recipients.map((recipient) => recipient.toLowerCase()))];
    if (wanted.length === 0) return new Set();
    const rows = await this.query<{ recipient: string }>(
      'findImportedRecipients',
      `SELECT DISTINCT items.recipient FROM messages JOIN items ON items.message_id = messages.id
       WHERE messages.sha256 = $1 AND items.recipient = ANY($2)`,
      [sha256, wanted],
    );
    return new Set(rows.map((row) => row.recipient));
  }

  async listUnreferencedMessages(
    afterId: string | null,
    limit: number,
  ): Promise<{ id: string; blobKey: string }[]> {
    const rows = await this.query<{ id: string; blob_key: string }>(
      'listUnreferencedMessages',
      `SELECT id, blob_key FROM messages
       WHERE blob_removed_at IS NULL AND id > $1
         AND NOT EXISTS (SELECT 1 FROM items WHERE items.message_id = messages.id AND items.status = ANY($2))
       ORDER BY id LIMIT $3`,
      [afterId ?? '', [...LIVE_STATUSES], limit],
    );
    return rows.map((row) => ({ id: row.id, blobKey: row.blob_key }));
  }

  async findUnreferencedMessages(messageIds: readonly string[]): Promise<{ id: string; blobKey: string }[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.query<{ id: string; blob_key: string }>(
      'findUnreferencedMessages',
      `SELECT id, blob_key FROM messages
       WHERE id = ANY($1) AND blob_removed_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM items WHERE items.message_id = messages.id AND items.status = ANY($2))`,
      [[...new Set(messageIds)], [...LIVE_STATUSES]],
    );
    return rows.map((row) => ({ id: row.id, blobKey: row.blob_key }));
  }

  async markBlobsRemoved(messageIds: readonly string[], at: string): Promise<number> {
    if (messageIds.length === 0) return 0;
    const marked = await this.query(
      'markBlobsRemoved',
      'UPDATE messages SET blob_removed_at = $1 WHERE id = ANY($2) AND blob_removed_at IS NULL RETURNING id',
      [at, [...new Set(messageIds)]],
    );
    return marked.length;
  }

  async ping(): Promise<void> {
    await this.query('ping', 'SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }
}
