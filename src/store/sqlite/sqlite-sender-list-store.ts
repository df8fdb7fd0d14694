import type { Database, Transaction } from 'better-sqlite3';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import { type OwnerScope, parseScopeKey, scopeKey } from '../owner-scope.js';
import { type SenderListRow, senderListEntryOf } from '../sender-list-rows.js';
import {
  type PutListEntryResult,
  relisted,
  type SenderListEntry,
  type SenderListFilter,
  type SenderListStore,
} from '../sender-list-store.js';
import { type MigrationSet, migrate } from './sqlite-database.js';
import { placeholders, StatementCache } from './sqlite-statements.js';

/** Schema of sender allow/block lists: one row per scope and sender pattern. */
export const SENDER_LIST_MIGRATIONS: MigrationSet = {
  name: 'sender-lists',
  steps: [
    `
    CREATE TABLE sender_lists (
      id TEXT PRIMARY KEY,
      scope TEXT NOT NULL,
      scope_kind TEXT NOT NULL,
      sender TEXT NOT NULL,
      action TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      updated_by TEXT NOT NULL,
      UNIQUE (scope, sender)
    ) STRICT;
    -- The scanner's lookup: scope and sender pattern, both exact.
    CREATE INDEX sender_lists_by_sender ON sender_lists (sender, scope);
    CREATE INDEX sender_lists_by_kind ON sender_lists (scope_kind, id DESC);
    `,
  ],
};

/** Sender lists in the embedded database (migration set `sender-lists`). */
export class SqliteSenderListStore implements SenderListStore {
  private readonly sql: StatementCache;
  private readonly putTx: Transaction<(entry: SenderListEntry) => PutListEntryResult>;

  constructor(db: Database) {
    migrate(db, SENDER_LIST_MIGRATIONS);
    this.sql = new StatementCache(db);
    this.putTx = db.transaction((entry: SenderListEntry): PutListEntryResult => {
      const key = scopeKey(entry.scope);
      const sender = entry.sender.toLowerCase();
      const existing = this.sql
        .get('SELECT * FROM sender_lists WHERE scope = ? AND sender = ?')
        .get(key, sender) as SenderListRow | undefined;
      if (existing) {
        this.sql
          .get('UPDATE sender_lists SET action = ?, updated_at = ?, updated_by = ? WHERE id = ?')
          .run(entry.action, entry.updatedAt, entry.updatedBy, existing.id);
        const previous = senderListEntryOf(existing);
        return relisted(previous, entry);
      }
      this.sql
        .get(
          `INSERT INTO sender_lists (id, scope, scope_kind, sender, action, updated_at, updated_by)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(entry.id, key, entry.scope.kind, sender, entry.action, entry.updatedAt, entry.updatedBy);
      return { entry: { ...entry, scope: parseScopeKey(key), sender }, previous: null };
    });
  }

  putListEntry(entry: SenderListEntry): Promise<PutListEntryResult> {
    return this.sql.run('putListEntry', () => this.putTx.immediate(entry));
  }

  getListEntry(id: string): Promise<SenderListEntry | null> {
    return this.sql.run('getListEntry', () => {
      const row = this.sql.get('SELECT * FROM sender_lists WHERE id = ?').get(id) as
        | SenderListRow
        | undefined;
      return row ? senderListEntryOf(row) : null;
    });
  }

  removeListEntry(id: string): Promise<SenderListEntry | null> {
    return this.sql.run('removeListEntry', () => {
      const row = this.sql.get('DELETE FROM sender_lists WHERE id = ? RETURNING *').get(id) as
        | SenderListRow
        | undefined;
      return row ? senderListEntryOf(row) : null;
    });
  }

  listListEntries(filter: SenderListFilter, page: PageRequest): Promise<Page<SenderListEntry>> {
    return this.sql.run('listListEntries', () => {
      const conditions = ['1'];
      const params: unknown[] = [];
      if (filter.scopes !== undefined) {
        conditions.push(
          filter.scopes.length === 0 ? '0' : `scope IN (${placeholders(filter.scopes.length)})`,
        );
        params.push(...filter.scopes.map(scopeKey));
      }
      if (filter.kinds !== undefined) {
        conditions.push(
          filter.kinds.length === 0 ? '0' : `scope_kind IN (${placeholders(filter.kinds.length)})`,
        );
        params.push(...filter.kinds);
      }
      if (filter.action !== undefined) {
        conditions.push('action = ?');
        params.push(filter.action);
      }
      if (filter.sender !== undefined) {
        conditions.push('sender = ?');
        params.push(filter.sender.toLowerCase());
      }
      if (page.cursor !== undefined) {
        conditions.push('id < ?');
        params.push(decodeCursor(page.cursor).id);
      }
      const rows = this.sql
        .get(`SELECT * FROM sender_lists WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT ?`)
        .all(...params, page.limit + 1) as SenderListRow[];
      return pageOf(
        rows,
        page.limit,
        (last) => encodeCursor({ receivedAt: '', id: last.id }),
        senderListEntryOf,
      );
    });
  }

  findListEntries(scopes: readonly OwnerScope[], patterns: readonly string[]): Promise<SenderListEntry[]> {
    return this.sql.run('findListEntries', () => {
      if (scopes.length === 0 || patterns.length === 0) return [];
      const rows = this.sql
        .get(
          `SELECT * FROM sender_lists WHERE sender IN (${placeholders(patterns.length)}) AND scope IN (${placeholders(scopes.length)})`,
        )
        .all(...patterns.map((pattern) => pattern.toLowerCase()), ...scopes.map(scopeKey)) as SenderListRow[];
      return rows.map(senderListEntryOf);
    });
  }
}
