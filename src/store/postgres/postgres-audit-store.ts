import type pg from 'pg';
import type { AuditEntry, AuditFilter, AuditStore } from '../audit-store.js';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import { postgresError } from './postgres-errors.js';
import { migratePostgres, type PostgresMigrationSet } from './postgres-migrations.js';
import { jsonParam, queryRows } from './postgres-query.js';

export const POSTGRES_AUDIT_MIGRATIONS: PostgresMigrationSet = {
  name: 'audit',
  steps: [
    `
    CREATE TABLE audit (
      id text COLLATE "C" PRIMARY KEY,
      at text COLLATE "C" NOT NULL,
      actor_id text COLLATE "C" NOT NULL,
      action text COLLATE "C" NOT NULL,
      job_id text COLLATE "C",
      item_ids text[] COLLATE "C" NOT NULL,
      tenants text[] COLLATE "C" NOT NULL,
      entry jsonb NOT NULL
    );
    CREATE INDEX audit_by_time ON audit (at DESC, id DESC);
    CREATE INDEX audit_by_actor ON audit (actor_id, at DESC, id DESC);
    CREATE INDEX audit_by_action ON audit (action, at DESC, id DESC);
    CREATE INDEX audit_by_job ON audit (job_id) WHERE job_id IS NOT NULL;
    CREATE INDEX audit_by_item ON audit USING gin (item_ids);
    CREATE INDEX audit_by_tenant ON audit USING gin (tenants);
    CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'audit is append-only'; END $$;
    CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
      FOR EACH ROW EXECUTE FUNCTION audit_append_only();
    `,
  ],
};

/** The audit log on PostgreSQL; a trigger refuses any update or delete. */
export class PostgresAuditStore implements AuditStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PostgresAuditStore> {
    try {
      await migratePostgres(pool, [POSTGRES_AUDIT_MIGRATIONS]);
    } catch (error) {
      throw postgresError('migrate', error);
    }
    return new PostgresAuditStore(pool);
  }

  async append(entry: AuditEntry): Promise<void> {
    await queryRows(
      this.pool,
      'audit append',
      `INSERT INTO audit (id, at, actor_id, action, job_id, item_ids, tenants, entry)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        entry.id,
        entry.at,
        entry.actor.id,
        entry.action,
        entry.target.jobId ?? null,
        [...new Set(entry.target.itemIds ?? [])],
        [...new Set(entry.tenants)],
        jsonParam(entry),
      ],
    );
  }

  async listAudit(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    const conditions: string[] = ['true'];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.action !== undefined) conditions.push(`action = ${param(filter.action)}`);
    if (filter.actorId !== undefined) conditions.push(`actor_id = ${param(filter.actorId)}`);
    if (filter.actorIdIn !== undefined)
      conditions.push(`actor_id = ANY(${param([...filter.actorIdIn])}::text[])`);
    if (filter.jobId !== undefined) conditions.push(`job_id = ${param(filter.jobId)}`);
    if (filter.itemId !== undefined) conditions.push(`item_ids @> ARRAY[${param(filter.itemId)}::text]`);
    if (filter.tenantIn !== undefined) conditions.push(`tenants && ${param([...filter.tenantIn])}::text[]`);
    if (filter.after !== undefined) conditions.push(`at >= ${param(filter.after)}`);
    if (filter.before !== undefined) conditions.push(`at < ${param(filter.before)}`);
    if (page.cursor !== undefined) {
      const position = decodeCursor(page.cursor);
      conditions.push(`(at, id) < (${param(position.receivedAt)}, ${param(position.id)})`);
    }
    const rows = await queryRows<{ entry: AuditEntry }>(
      this.pool,
      'audit list',
      `SELECT entry FROM audit WHERE ${conditions.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ${param(page.limit + 1)}`,
      values,
    );
    return pageOf(
      rows,
      page.limit,
      (last) => encodeCursor({ receivedAt: last.at, id: last.id }),
      (row) => row.entry,
    );
  }
}
