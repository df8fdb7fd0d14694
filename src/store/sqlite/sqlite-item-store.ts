import type { Database, Statement } from 'better-sqlite3';
import { domainOf } from '../../core/address.js';
import { storeError } from '../../core/errors.js';
import { canTransition } from '../../core/item-status.js';
import type { SearchTerm } from '../../core/search-query.js';
import { type ItemStatus, LIVE_STATUSES, type MessageRecord, type QuarantineItem } from '../../core/types.js';
import { decodeCursor, decodeOrderedCursor, encodeCursor, encodeOrderedCursor, pageOf } from '../cursor.js';
import { type ItemRow, itemOfRow, type MessageRow, messageOfRow } from '../item-rows.js';
import {
  type ItemChange,
  type ItemFilter,
  type ItemOrder,
  type ItemOrderField,
  type ItemStore,
  isNewestFirst,
  type Page,
  type PageRequest,
  type TransitionExpectation,
  type TransitionRequest,
  type TransitionResult,
} from '../item-store.js';
import { type StatusCount, statusCountOf } from '../status-count.js';
import { GroupCommit } from './group-commit.js';
import { RETENTION_MIGRATIONS } from './retention-schema.js';
import { ITEM_MIGRATIONS, SEARCH_MIGRATIONS } from './schema.js';
import { writeInlineBlob } from './sqlite-blob-index.js';
import { migrate, openSqliteDatabase, refreshStatistics } from './sqlite-database.js';
import { StatementCache } from './sqlite-statements.js';
import { StatsFold } from './stats-fold.js';
import { STATS_MIGRATIONS } from './stats-schema.js';
import { TRACE_MIGRATIONS } from './trace-schema.js';

export interface SqliteItemStoreOptions {
  /** An open database (shared with the other SQLite stores), or the path of one to open. */
  db?: Database;
  path?: string;
  /** Group commit shared with the other stores on the same database; one is made when absent. */
  commits?: GroupCommit;
  /** Test hook: called inside putMessage after each item row is written, before the commit. */
  afterItemWrite?: (index: number) => void;
  /**
   * Whether putMessage may store a message's raw bytes (`inlineRaw`) in the database's inline blobs
   * (SqliteInlineBlobs, on the same connection), atomically with the message.
   */
  keepsRawInline?: boolean;
}

/** An `items` row as SQLite holds it: JSON as text, booleans as 0/1. */
interface SqliteItemRow extends Omit<ItemRow, 'has_attachments' | 'details' | 'release' | 'last_error'> {
  sender_domain: string;
  has_attachments: number;
  details: string;
  release: string | null;
  last_error: string | null;
}

interface SqliteMessageRow
  extends Omit<MessageRow, 'envelope' | 'headers' | 'attachments' | 'parse_problems'> {
  envelope: string;
  headers: string;
  attachments: string;
  parse_problems: string;
}

function toItem(row: SqliteItemRow): QuarantineItem {
  return itemOfRow({
    ...row,
    has_attachments: row.has_attachments === 1,
    details: JSON.parse(row.details) as Record<string, unknown>,
    release: row.release === null ? null : JSON.parse(row.release),
    last_error: row.last_error === null ? null : JSON.parse(row.last_error),
  });
}

function toMessage(row: SqliteMessageRow): MessageRecord {
  return messageOfRow({
    ...row,
    envelope: JSON.parse(row.envelope),
    headers: JSON.parse(row.headers),
    attachments: JSON.parse(row.attachments),
    parse_problems: JSON.parse(row.parse_problems),
  });
}

/** One conditional write as an element of TRANSITION_SQL's JSON parameter. */
interface TransitionRow {
  id: string;
  allowed: readonly ItemStatus[];
  version: number | null;
  status: ItemStatus;
  at: string;
  setRelease: 0 | 1;
  release: string | null;
  setLastError: 0 | 1;
  lastError: string | null;
  setLease: 0 | 1;
  leaseOwner: string | null;
  leaseUntil: string | null;
}

function transitionRow(request: TransitionRequest, allowedFrom: readonly ItemStatus[]): TransitionRow {
  const { change } = request;
  const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
  return {
    id: request.id,
    allowed: allowedFrom,
    version: request.expected.version ?? null,
    status: change.status,
    at: change.at,
    setRelease: change.release === undefined ? 0 : 1,
    release: json(change.release),
    setLastError: change.lastError === undefined ? 0 : 1,
    lastError: json(change.lastError),
    setLease: change.lease === undefined ? 0 : 1,
    leaseOwner: change.lease?.owner ?? null,
    leaseUntil: change.lease?.until ?? null,
  };
}

/**
 * A batch of conditional writes as one statement: each row of the JSON parameter (TransitionRow)
 * applies to its item only if the item is in one of the row's allowed statuses (the state table's
 * moves, filtered before) and, when given, at the expected version. SQLite runs one writer at a time,
 * so of two batches with the same expectation exactly one matches. The stats triggers note each
 * status change as before; the counters are folded once per commit.
 */
const TRANSITION_SQL = `
  UPDATE items SET
    status = r.status,
    updated_at = r.at,
    version = items.version + 1,
    release = CASE WHEN r.set_release THEN r.release ELSE items.release END,
    last_error = CASE WHEN r.set_last_error THEN r.last_error ELSE items.last_error END,
    lease_owner = CASE WHEN r.set_lease THEN r.lease_owner ELSE items.lease_owner END,
    lease_until = CASE WHEN r.set_lease THEN r.lease_until ELSE items.lease_until END
  FROM (
    SELECT value ->> '$.id' AS id, value -> '$.allowed' AS allowed, value ->> '$.version' AS version,
      value ->> '$.status' AS status, value ->> '$.at' AS at,
      value ->> '$.setRelease' AS set_release, value ->> '$.release' AS release,
      value ->> '$.setLastError' AS set_last_error, value ->> '$.lastError' AS last_error,
      value ->> '$.setLease' AS set_lease, value ->> '$.leaseOwner' AS lease_owner,
      value ->> '$.leaseUntil' AS lease_until
    FROM json_each(?)) AS r
  WHERE items.id = r.id AND items.status IN (SELECT value FROM json_each(r.allowed))
    AND (r.version IS NULL OR items.version = r.version)
  RETURNING *`;
/**
 * countItems for a status- and tenant-only filter (statusCountOf): the counters (stats_status) plus
 * the noted changes not yet folded (stats_pending: +1 for the new status, -1 for the old), capped at
 * the limit; `byTenant` narrows both to the tenants of the JSON list `:tenants`.
 */
function countFromCountersSql(byTenant: boolean): string {
  const tenant = byTenant ? 'AND tenant IN (SELECT value FROM json_each(:tenants))' : '';
  return `
    WITH wanted AS (SELECT value AS status FROM json_each(:statuses))
    SELECT min(:limit,
      (SELECT ifnull(sum(n), 0) FROM stats_status WHERE status IN wanted ${tenant})
      + (SELECT ifnull(sum((new_status IN wanted) - ifnull(old_status IN wanted, 0)), 0)
         FROM stats_pending WHERE true ${tenant})) AS n`;
}
const COUNT_FROM_COUNTERS_SQL = countFromCountersSql(false);
const COUNT_FROM_COUNTERS_BY_TENANT_SQL = countFromCountersSql(true);

/** Text conditions with more matches than this scan the list's index instead of using the text index's hits. */
const RARE_TEXT_MATCHES = 2000;

/** The columns of the trigram index (items_text) that a text search of each field looks in. */
const TEXT_COLUMNS: Record<'from' | 'to' | 'subject' | 'any', string> = {
  from: '{sender from_header}',
  to: '{recipient}',
  subject: '{subject}',
  any: '{subject from_header sender recipient}',
};

/**
 * An FTS5 query for the text as a case-insensitive substring of the field's columns (a trigram phrase),
 * or undefined when the text is too short for trigrams. It narrows the rows; the exact condition
 * (instr on the JavaScript-folded text, or LIKE) still decides, so the index only has to find a superset.
 */
function textMatch(text: string, field: keyof typeof TEXT_COLUMNS): string | undefined {
  if ([...text].length < 3) return undefined;
  return `${TEXT_COLUMNS[field]} : "${text.replace(/"/g, '""')}"`;
}

/** Sort expression per order field, and the value of a row for the cursor (matching the expression). */
const ORDER_COLUMNS: Record<
  ItemOrderField,
  { expression: string; value: (row: SqliteItemRow) => string | number }
> = {
  receivedAt: { expression: 'received_at', value: (row) => row.received_at },
  sender: { expression: 'sender', value: (row) => row.sender },
  recipient: { expression: 'recipient', value: (row) => row.recipient },
  subject: { expression: "ifnull(subject, '')", value: (row) => row.subject ?? '' },
  reason: { expression: 'reason', value: (row) => row.reason },
  score: { expression: 'ifnull(score, -1e300)', value: (row) => row.score ?? -1e300 },
  size: { expression: 'size', value: (row) => row.size },
};

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** SQLite's lower() folds ASCII only; search must fold like JavaScript (the reference semantics). */
const LOWER = 'lz_lower';

/** One search term as an SQL condition that is never NULL, so that NOT works as negation. */
function termSql(term: SearchTerm): { sql: string; params: unknown[] } {
  const has = (column: string) => `instr(${LOWER}(coalesce(${column}, '')), ?) > 0`;
  const list = (values: readonly string[]) => values.map(() => '?').join(',');
  switch (term.kind) {
    case 'text':
      switch (term.field) {
        case 'from':
          return { sql: `(${has('sender')} OR ${has('from_header')})`, params: [term.value, term.value] };
        case 'to':
          return { sql: has('recipient'), params: [term.value] };
        case 'subject':
          return { sql: has('subject'), params: [term.value] };
        default:
          return {
            sql: `(${has('subject')} OR ${has('from_header')} OR ${has('sender')} OR ${has('recipient')})`,
            params: [term.value, term.value, term.value, term.value],
          };
      }
    case 'reason':
      return { sql: `reason IN (${list(term.values)})`, params: [...term.values] };
    case 'status':
      return { sql: `status IN (${list(term.values)})`, params: [...term.values] };
    case 'message_id':
      return {
        sql: `(message_id = ? OR message_id IN (SELECT id FROM messages WHERE trim(json_extract(headers, '$.messageId'), ' <>') = ?))`,
        params: [term.value, term.value],
      };
    case 'after':
      return { sql: 'received_at >= ?', params: [term.at] };
    case 'before':
      return { sql: 'received_at < ?', params: [term.at] };
    case 'larger':
      return { sql: 'size > ?', params: [term.bytes] };
    case 'smaller':
      return { sql: 'size < ?', params: [term.bytes] };
    case 'has_attachment':
      return { sql: 'has_attachments = 1', params: [] };
  }
}

/** The embedded ItemStore: one SQLite file in WAL mode, every statement prepared once. */
export class SqliteItemStore implements ItemStore {
  private readonly db: Database;
  private readonly ownsDb: boolean;
  private closed = false;
  private readonly statements: StatementCache;
  private readonly keepsRawInline: boolean;
  private readonly afterItemWrite: ((index: number) => void) | undefined;
  private readonly commits: GroupCommit;
  private readonly statsFold: StatsFold;

  constructor(options: SqliteItemStoreOptions) {
    if (!options.db && !options.path) throw new Error('SqliteItemStore needs a database or a path');
    this.ownsDb = options.db === undefined;
    this.db = options.db ?? openSqliteDatabase(options.path!);
    this.statements = new StatementCache(this.db);
    migrate(this.db, ITEM_MIGRATIONS);
    migrate(this.db, SEARCH_MIGRATIONS);
    this.db.function(LOWER, { deterministic: true }, (value: unknown) =>
      typeof value === 'string' ? value.toLowerCase() : value,
    );
    migrate(this.db, RETENTION_MIGRATIONS);
    // Every item write notes its change for the dashboard counters (triggers), and folds the notes
    // into them before it commits.
    migrate(this.db, STATS_MIGRATIONS);
    migrate(this.db, TRACE_MIGRATIONS);
    this.statsFold = new StatsFold(this.db);
    this.afterItemWrite = options.afterItemWrite;
    this.keepsRawInline = options.keepsRawInline ?? false;
    this.commits = options.commits ?? new GroupCommit(this.db);
    this.commits.beforeCommit(() => this.statsFold.run());
  }

  private statement(sql: string): Statement {
    return this.statements.get(sql);
  }

  private run<T>(operation: string, work: () => T): Promise<T> {
    try {
      if (this.closed) throw new Error('the item store is closed');
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(storeError(operation, error));
    }
  }

  private insertMessage(message: MessageRecord, items: readonly QuarantineItem[]): void {
    this.statement(
      `INSERT INTO messages (id, received_at, size, sha256, blob_key, envelope, headers, attachments,
         parse_problems, remote_address, helo_name, queue_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      message.id,
      message.receivedAt,
      message.size,
      message.sha256,
      message.blobKey,
      JSON.stringify(message.envelope),
      JSON.stringify(message.headers),
      JSON.stringify(message.attachments),
      JSON.stringify(message.parseProblems),
      message.remoteAddress ?? null,
      message.heloName ?? null,
      message.queueId ?? null,
    );
    const insertItem = this.statement(
      `INSERT INTO items (id, message_id, recipient, tenant, sender, sender_domain, from_header, subject, size,
         has_attachments, reason, score, details, status, received_at, updated_at, expires_at, release,
         last_error, lease_owner, lease_until, version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    items.forEach((item, index) => {
      insertItem.run(
        item.id,
        item.messageId,
        item.recipient,
        item.tenant,
        item.sender,
        domainOf(item.sender),
        item.fromHeader ?? null,
        item.subject ?? null,
        item.size,
        item.hasAttachments ? 1 : 0,
        item.reason,
        item.score,
        JSON.stringify(item.details),
        item.status,
        item.receivedAt,
        item.updatedAt,
        item.expiresAt,
        item.release === null ? null : JSON.stringify(item.release),
        item.lastError === null ? null : JSON.stringify(item.lastError),
        item.lease?.owner ?? null,
        item.lease?.until ?? null,
        item.version,
      );
      this.afterItemWrite?.(index);
    });
  }

  /**
   * Writes many messages with their items in one transaction: the fast path for bulk loading
   * (imports, benchmarks). All or nothing, like putMessage.
   */
  putMessages(
    entries: readonly { message: MessageRecord; items: readonly QuarantineItem[] }[],
  ): Promise<void> {
    return this.run('putMessages', () =>
      this.db.transaction(() => {
        for (const entry of entries) this.insertMessage(entry.message, entry.items);
        this.statsFold.run();
      })(),
    );
  }

  /** Refreshes the planner's statistics, e.g. after a bulk load; otherwise they refresh hourly. */
  /** Like `run`, for writes that join the group commit: resolves once committed, i.e. durable. */
  private async committed<T>(operation: string, work: () => T): Promise<T> {
    try {
      if (this.closed) throw new Error('the item store is closed');
      return await this.commits.run(work);
    } catch (error) {
      throw storeError(operation, error);
    }
  }

  refreshStatistics(): void {
    refreshStatistics(this.db);
  }

  putMessage(
    message: MessageRecord,
    items: readonly QuarantineItem[],
    inlineRaw?: Uint8Array,
  ): Promise<void> {
    return this.committed('putMessage', () => {
      if (inlineRaw) {
        if (!this.keepsRawInline) throw new Error('this item store keeps no raw bytes');
        writeInlineBlob(this.statements, message.blobKey, inlineRaw);
      }
      this.insertMessage(message, items);
    });
  }

  getMessage(id: string): Promise<MessageRecord | null> {
    return this.run('getMessage', () => {
      const row = this.statement('SELECT * FROM messages WHERE id = ?').get(id) as
        | SqliteMessageRow
        | undefined;
      return row ? toMessage(row) : null;
    });
  }

  getItem(id: string): Promise<QuarantineItem | null> {
    return this.run('getItem', () => {
      const row = this.statement('SELECT * FROM items WHERE id = ?').get(id) as SqliteItemRow | undefined;
      return row ? toItem(row) : null;
    });
  }

  getItems(ids: readonly string[]): Promise<Map<string, QuarantineItem>> {
    return this.run('getItems', () => this.readItems(ids));
  }

  listItems(filter: ItemFilter, page: PageRequest): Promise<Page<QuarantineItem>> {
    return this.run('listItems', () => {
      const { conditions, params } = this.where(filter);
      if (!isNewestFirst(page.order)) return this.listOrdered(conditions, params, page, page.order!);
      if (page.cursor !== undefined) {
        const after = decodeCursor(page.cursor);
        conditions.push('(received_at, id) < (?, ?)');
        params.push(after.receivedAt, after.id);
      }
      const rows = this.statement(
        `SELECT * FROM items WHERE ${conditions.join(' AND ')}
         ORDER BY received_at DESC, id DESC LIMIT ?`,
      ).all(...params, page.limit + 1) as SqliteItemRow[];
      return pageOf(
        rows,
        page.limit,
        (last) => encodeCursor({ receivedAt: last.receivedAt, id: last.id }),
        toItem,
      );
    });
  }

  /**
   * The WHERE conditions (and their parameters) of a list filter; shared by listing and counting.
   * Counting, a text term always narrows through the trigram index, and the first one is handed back
   * as `driver` instead of a condition: the count walks that index's matches and stops at its limit,
   * where `rowid IN (…)` would collect every match first.
   */
  private where(
    filter: ItemFilter,
    counting = false,
  ): { conditions: string[]; params: unknown[]; driver?: string } {
    const conditions: string[] = [];
    const params: unknown[] = [];
    let driver: string | undefined;
    const inList = (column: string, values: readonly string[]) => {
      if (values.length === 0) {
        conditions.push('0');
        return;
      }
      conditions.push(`${column} IN (${values.map(() => '?').join(',')})`);
      params.push(...values);
    };
    if (filter.recipientIn !== undefined) inList('recipient', filter.recipientIn);
    if (filter.tenantIn !== undefined) inList('tenant', filter.tenantIn);
    if (filter.recipient !== undefined) {
      conditions.push('recipient = ?');
      params.push(filter.recipient.toLowerCase());
    }
    if (filter.sender !== undefined) {
      const sender = filter.sender.toLowerCase();
      if (sender.includes('@') && !sender.startsWith('@')) {
        conditions.push('sender = ?');
        params.push(sender);
      } else {
        conditions.push('sender_domain = ?');
        params.push(sender.replace(/^@/, ''));
      }
    }
    const viaTextIndex = (match: string | undefined) => {
      if (match === undefined || !(counting || this.matchIsRare(match))) return;
      if (counting && driver === undefined) {
        driver = match;
        return;
      }
      conditions.push('items.rowid IN (SELECT rowid FROM items_text WHERE items_text MATCH ?)');
      params.push(match);
    };
    if (filter.subject !== undefined) {
      viaTextIndex(textMatch(filter.subject, 'subject'));
      conditions.push(`subject LIKE ? ESCAPE '\\'`);
      params.push(`%${escapeLike(filter.subject)}%`);
    }
    if (filter.reasons !== undefined) inList('reason', filter.reasons);
    inList('status', filter.statuses ?? LIVE_STATUSES);
    if (filter.receivedAfter !== undefined) {
      conditions.push('received_at >= ?');
      params.push(filter.receivedAfter);
    }
    if (filter.receivedBefore !== undefined) {
      conditions.push('received_at < ?');
      params.push(filter.receivedBefore);
    }
    if (filter.messageId !== undefined) {
      conditions.push('message_id = ?');
      params.push(filter.messageId);
    }
    for (const term of filter.terms ?? []) {
      if (term.kind === 'text' && !term.negated) viaTextIndex(textMatch(term.value, term.field));
      const compiled = termSql(term);
      conditions.push(term.negated ? `NOT ${compiled.sql}` : compiled.sql);
      params.push(...compiled.params);
    }
    return { conditions, params, ...(driver === undefined ? {} : { driver }) };
  }

  countItems(filter: ItemFilter, limit: number): Promise<number> {
    return this.run('countItems', () => {
      const counted = statusCountOf(filter, limit);
      if (counted !== undefined) return this.countFromCounters(counted, limit);
      const { conditions, params, driver } = this.where(filter, true);
      const where = conditions.join(' AND ');
      const row = (
        driver === undefined
          ? this.statement(`SELECT count(*) AS n FROM (SELECT 1 FROM items WHERE ${where} LIMIT ?)`).get(
              ...params,
              limit,
            )
          : this.statement(
              `SELECT count(*) AS n FROM (
                 SELECT 1 FROM (SELECT rowid AS hit FROM items_text WHERE items_text MATCH ?) AS hits
                 CROSS JOIN items ON items.rowid = hits.hit WHERE ${where} LIMIT ?)`,
            ).get(driver, ...params, limit)
      ) as { n: number };
      return row.n;
    });
  }

  /**
   * A status- and tenant-only count from the counters of items per tenant and status (stats_status),
   * plus the changes noted in stats_pending that no writer has folded yet (a writer that folds leaves
   * none after its commit), in one statement, so one snapshot: exact, and as quick at a million items
   * as at a thousand.
   */
  private countFromCounters(counted: StatusCount, limit: number): number {
    const statuses = JSON.stringify(counted.statuses);
    const row = (
      counted.tenants === undefined
        ? this.statement(COUNT_FROM_COUNTERS_SQL).get({ statuses, limit })
        : this.statement(COUNT_FROM_COUNTERS_BY_TENANT_SQL).get({
            statuses,
            tenants: JSON.stringify(counted.tenants),
            limit,
          })
    ) as { n: number };
    return row.n;
  }

  /**
   * A page in another order than newest first. Missing subjects sort as '' and missing scores lowest;
   * the rows matching the filter are sorted for every page (no index per sort column), which is quick
   * for a filtered list and takes a moment for an unfiltered one of a million items.
   */
  private listOrdered(
    conditions: string[],
    params: unknown[],
    page: PageRequest,
    order: ItemOrder,
  ): Page<QuarantineItem> {
    const { expression, value } = ORDER_COLUMNS[order.field];
    const key = `${order.field}:${order.direction}`;
    const direction = order.direction === 'asc' ? 'ASC' : 'DESC';
    if (page.cursor !== undefined) {
      const after = decodeOrderedCursor(page.cursor, key);
      conditions.push(`(${expression}, id) ${order.direction === 'asc' ? '>' : '<'} (?, ?)`);
      params.push(after.value, after.id);
    }
    const rows = this.statement(
      `SELECT * FROM items WHERE ${conditions.join(' AND ')}
       ORDER BY ${expression} ${direction}, id ${direction} LIMIT ?`,
    ).all(...params, page.limit + 1) as SqliteItemRow[];
    const items = rows.slice(0, page.limit).map(toItem);
    const last = rows[page.limit - 1];
    const nextCursor =
      rows.length > page.limit && last
        ? encodeOrderedCursor({ order: key, value: value(last), id: last.id })
        : null;
    return { items, nextCursor };
  }

  /**
   * Whether a text condition is better served by the trigram index: a common word is found quickly by
   * walking the items in list order, a rare one only through the index.
   */
  private matchIsRare(match: string): boolean {
    const probe = this.statement(
      'SELECT count(*) AS hits FROM (SELECT rowid FROM items_text WHERE items_text MATCH ? LIMIT ?)',
    ).get(match, RARE_TEXT_MATCHES) as { hits: number };
    return probe.hits < RARE_TEXT_MATCHES;
  }

  transition(id: string, expected: TransitionExpectation, change: ItemChange): Promise<TransitionResult> {
    return this.run('transition', () =>
      this.db.transaction(() => {
        const [result] = this.applyTransitions([{ id, expected, change }]);
        this.statsFold.run();
        return result!;
      })(),
    );
  }

  async transitionMany(requests: readonly TransitionRequest[]): Promise<TransitionResult[]> {
    if (requests.length === 0) return [];
    // One savepoint inside a group commit: the batch shares its fsync with concurrent writers.
    return this.committed('transitionMany', () => this.applyTransitions(requests));
  }

  /**
   * The conditional writes of a batch as one UPDATE (TRANSITION_SQL), then one read of the items
   * whose condition failed. A batch that names an id twice is applied request by request, in order.
   */
  private applyTransitions(requests: readonly TransitionRequest[]): TransitionResult[] {
    if (requests.length > 1 && new Set(requests.map((request) => request.id)).size < requests.length) {
      return requests.flatMap((request) => this.applyTransitions([request]));
    }
    const results: (TransitionResult | undefined)[] = new Array(requests.length);
    const index = new Map<string, number>();
    const rows: TransitionRow[] = [];
    for (const [position, request] of requests.entries()) {
      const allowedFrom = request.expected.status.filter((status) =>
        canTransition(status, request.change.status),
      );
      if (allowedFrom.length === 0) continue;
      index.set(request.id, position);
      rows.push(transitionRow(request, allowedFrom));
    }
    if (rows.length > 0) {
      const updated = this.statement(TRANSITION_SQL).all(JSON.stringify(rows)) as SqliteItemRow[];
      for (const row of updated) results[index.get(row.id)!] = { ok: true, item: toItem(row) };
    }
    const failed = requests
      .filter((_, position) => results[position] === undefined)
      .map((request) => request.id);
    if (failed.length > 0) {
      const current = this.readItems(failed);
      for (const [position, request] of requests.entries()) {
        results[position] ??= { ok: false, current: current.get(request.id) ?? null };
      }
    }
    return results as TransitionResult[];
  }

  listExpiredLeases(until: string, limit: number): Promise<QuarantineItem[]> {
    return this.run('listExpiredLeases', () =>
      (
        this.statement(
          `SELECT * FROM items WHERE lease_until IS NOT NULL AND lease_until <= ? AND status = 'releasing'
           ORDER BY lease_until LIMIT ?`,
        ).all(until, limit) as SqliteItemRow[]
      ).map(toItem),
    );
  }

  /** Items by id in one statement; unknown ids are absent from the map. */
  private readItems(ids: readonly string[]): Map<string, QuarantineItem> {
    const rows = this.statement('SELECT * FROM items WHERE id IN (SELECT value FROM json_each(?))').all(
      JSON.stringify(ids),
    ) as SqliteItemRow[];
    return new Map(rows.map((row) => [row.id, toItem(row)]));
  }

  countLiveItems(messageId: string): Promise<number> {
    return this.run('countLiveItems', () => {
      const row = this.statement(
        `SELECT count(*) AS live FROM items WHERE message_id = ? AND status IN (${LIVE_STATUSES.map(() => '?').join(',')})`,
      ).get(messageId, ...LIVE_STATUSES) as { live: number };
      return row.live;
    });
  }

  // --- Retention purge and import (issue 8) ---

  listExpired(
    now: string,
    limit: number,
    after?: { expiresAt: string; id: string },
  ): Promise<QuarantineItem[]> {
    return this.run('listExpired', () => {
      // The status list is written out so that SQLite can use the partial index items_expiring.
      const rows = this.statement(
        `SELECT * FROM items
         WHERE expires_at IS NOT NULL AND status IN ('quarantined', 'released') AND expires_at <= ?
           AND (expires_at > ? OR (expires_at = ? AND id > ?))
         ORDER BY expires_at, id LIMIT ?`,
      ).all(now, after?.expiresAt ?? '', after?.expiresAt ?? '', after?.id ?? '', limit) as SqliteItemRow[];
      return rows.map(toItem);
    });
  }

  findImportedRecipients(sha256: string, recipients: readonly string[]): Promise<Set<string>> {
    return this.run('findImportedRecipients', () => {
      const wanted = new Set(recipients.map((recipient) => recipient.toLowerCase()));
      const rows = this.statement(
        `SELECT DISTINCT items.recipient AS recipient FROM messages
         JOIN items ON items.message_id = messages.id WHERE messages.sha256 = ?`,
      ).all(sha256) as { recipient: string }[];
      return new Set(rows.map((row) => row.recipient).filter((recipient) => wanted.has(recipient)));
    });
  }

  listUnreferencedMessages(
    afterId: string | null,
    limit: number,
  ): Promise<{ id: string; blobKey: string }[]> {
    return this.run('listUnreferencedMessages', () => {
      const rows = this.statement(
        `SELECT id, blob_key FROM messages
         WHERE blob_removed_at IS NULL AND id > ?
           AND NOT EXISTS (SELECT 1 FROM items WHERE items.message_id = messages.id
                           AND items.status IN (${LIVE_STATUSES.map(() => '?').join(',')}))
         ORDER BY id LIMIT ?`,
      ).all(afterId ?? '', ...LIVE_STATUSES, limit) as { id: string; blob_key: string }[];
      return rows.map((row) => ({ id: row.id, blobKey: row.blob_key }));
    });
  }

  findUnreferencedMessages(messageIds: readonly string[]): Promise<{ id: string; blobKey: string }[]> {
    return this.run('findUnreferencedMessages', () => {
      const rows = this.statement(
        `SELECT id, blob_key FROM messages
         WHERE id IN (SELECT value FROM json_each(?)) AND blob_removed_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM items WHERE items.message_id = messages.id
                           AND items.status IN (${LIVE_STATUSES.map(() => '?').join(',')}))`,
      ).all(JSON.stringify(messageIds), ...LIVE_STATUSES) as { id: string; blob_key: string }[];
      return rows.map((row) => ({ id: row.id, blobKey: row.blob_key }));
    });
  }

  /** One statement for the whole batch, in the group commit. */
  markBlobsRemoved(messageIds: readonly string[], at: string): Promise<number> {
    if (messageIds.length === 0) return Promise.resolve(0);
    return this.committed(
      'markBlobsRemoved',
      () =>
        this.statement(
          `UPDATE messages SET blob_removed_at = ?
           WHERE id IN (SELECT value FROM json_each(?)) AND blob_removed_at IS NULL`,
        ).run(at, JSON.stringify(messageIds)).changes,
    );
  }

  ping(): Promise<void> {
    return this.run('ping', () => {
      this.statement('SELECT 1').get();
    });
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.ownsDb && this.db.open) this.db.close();
    return Promise.resolve();
  }
}
