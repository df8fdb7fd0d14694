import type pg from 'pg';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import { type OwnerScope, scopeKey } from '../owner-scope.js';
import { type SenderListRow, senderListEntryOf } from '../sender-list-rows.js';
import type {
  PutListEntryResult,
  SenderListEntry,
  SenderListFilter,
  SenderListStore,
} from '../sender-list-store.js';
import { postgresError } from './postgres-errors.js';
import { migratePostgres, type PostgresMigrationSet } from './postgres-migrations.js';
import { inTransaction, queryRows } from './postgres-query.js';

/** Sender allow/block lists: one row per scope and sender pattern. */
export const POSTGRES_SENDER_LIST_MIGRATIONS: PostgresMigrationSet = {
  name: 'sender-lists',
  steps: [
    `
    CREATE TABLE sender_lists (
      id text COLLATE "C" PRIMARY KEY,
      scope text COLLATE "C" NOT NULL,
      scope_kind text COLLATE "C" NOT NULL,
      sender text COLLATE "C" NOT NULL,
      action text COLLATE "C" NOT NULL,
      updated_at text COLLATE "C" NOT NULL,
      updated_by text NOT NULL,
      UNIQUE (scope, sender)
    );
    -- The scanner's lookup: scope and sender pattern, both exact.
    CREATE INDEX sender_lists_by_sender ON sender_lists (sender, scope);
    CREATE INDEX sender_lists_by_kind ON sender_lists (scope_kind, id DESC);
    `,
  ],
};

/** Sender lists on PostgreSQL (migration set `sender-lists`). */
export class PostgresSenderListStore implements SenderListStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PostgresSenderListStore> {
    try {
      await migratePostgres(pool, [POSTGRES_SENDER_LIST_MIGRATIONS]);
    } catch (error) {
      throw postgresError('migrate', error);
    }
    return new PostgresSenderListStore(pool);
  }

  /**
   * Changes the scope's entry for the sender, or adds one. A concurrent put that adds the same entry
   * first makes the insert do nothing; the next round (a new snapshot) then finds and changes it.
   */
  putListEntry(entry: SenderListEntry): Promise<PutListEntryResult> {
    const key = scopeKey(entry.scope);
    const sender = entry.sender.toLowerCase();
    return inTransaction(this.pool, 'putListEntry', async (client) => {
      for (;;) {
        const existing = await client.query<SenderListRow>(
          'SELECT * FROM sender_lists WHERE scope = $1 AND sender = $2 FOR UPDATE',
          [key, sender],
        );
        if (existing.rows[0]) {
          const updated = await client.query<SenderListRow>(
            'UPDATE sender_lists SET action = $1, updated_at = $2, updated_by = $3 WHERE id = $4 RETURNING *',
            [entry.action, entry.updatedAt, entry.updatedBy, existing.rows[0].id],
          );
          return {
            entry: senderListEntryOf(updated.rows[0]!),
            previous: senderListEntryOf(existing.rows[0]),
          };
        }
        const inserted = await client.query<SenderListRow>(
          `INSERT INTO sender_lists (id, scope, scope_kind, sender, action, updated_at, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (scope, sender) DO NOTHING RETURNING *`,
          [entry.id, key, entry.scope.kind, sender, entry.action, entry.updatedAt, entry.updatedBy],
        );
        if (inserted.rows[0]) return { entry: senderListEntryOf(inserted.rows[0]), previous: null };
      }
    });
  }

  async getListEntry(id: string): Promise<SenderListEntry | null> {
    const rows = await queryRows<SenderListRow>(
      this.pool,
      'getListEntry',
      'SELECT * FROM sender_lists WHERE id = $1',
      [id],
    );
    return rows[0] ? senderListEntryOf(rows[0]) : null;
  }

  async removeListEntry(id: string): Promise<SenderListEntry | null> {
    const rows = await queryRows<SenderListRow>(
      this.pool,
      'removeListEntry',
      'DELETE FROM sender_lists WHERE id = $1 RETURNING *',
      [id],
    );
    return rows[0] ? senderListEntryOf(rows[0]) : null;
  }

  async listListEntries(filter: SenderListFilter, page: PageRequest): Promise<Page<SenderListEntry>> {
    const conditions = ['true'];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.scopes !== undefined)
      conditions.push(`scope = ANY(${param(filter.scopes.map(scopeKey))}::text[])`);
    if (filter.kinds !== undefined) conditions.push(`scope_kind = ANY(${param([...filter.kinds])}::text[])`);
    if (filter.action !== undefined) conditions.push(`action = ${param(filter.action)}`);
    if (filter.sender !== undefined) conditions.push(`sender = ${param(filter.sender.toLowerCase())}`);
    if (page.cursor !== undefined) conditions.push(`id < ${param(decodeCursor(page.cursor).id)}`);
    const rows = await queryRows<SenderListRow>(
      this.pool,
      'listListEntries',
      `SELECT * FROM sender_lists WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT ${param(page.limit + 1)}`,
      values,
    );
    return pageOf(
      rows,
      page.limit,
      (last) => encodeCursor({ receivedAt: '', id: last.id }),
      senderListEntryOf,
    );
  }

  async findListEntries(
    scopes: readonly OwnerScope[],
    patterns: readonly string[],
  ): Promise<SenderListEntry[]> {
    if (scopes.length === 0 || patterns.length === 0) return [];
    const rows = await queryRows<SenderListRow>(
      this.pool,
      'findListEntries',
      'SELECT * FROM sender_lists WHERE sender = ANY($1::text[]) AND scope = ANY($2::text[])',
      [patterns.map((pattern) => pattern.toLowerCase()), scopes.map(scopeKey)],
    );
    return rows.map(senderListEntryOf);
  }
}
