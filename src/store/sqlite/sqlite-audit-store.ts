import type { Database, Statement } from 'better-sqlite3';
import { storeError } from '../../core/errors.js';
import type { AuditEntry, AuditFilter, AuditStore } from '../audit-store.js';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import { migrate } from './sqlite-database.js';
import { StatementCache } from './sqlite-statements.js';

const AUDIT_MIGRATIONS = {
  name: 'audit',
  steps: [
    `
    CREATE TABLE audit (
      id TEXT PRIMARY KEY,
      at TEXT NOT NULL,
      actor_id TEXT NOT NULL,
      action TEXT NOT NULL,
      job_id TEXT,
      entry TEXT NOT NULL
    ) STRICT;
    CREATE INDEX audit_by_time ON audit (at DESC, id DESC);
    CREATE INDEX audit_by_actor ON audit (actor_id, at DESC, id DESC);
    CREATE INDEX audit_by_action ON audit (action, at DESC, id DESC);
    CREATE TABLE audit_items (audit_id TEXT NOT NULL REFERENCES audit(id), item_id TEXT NOT NULL) STRICT;
    CREATE INDEX audit_items_by_item ON audit_items (item_id);
    CREATE TABLE audit_tenants (audit_id TEXT NOT NULL REFERENCES audit(id), tenant TEXT NOT NULL) STRICT;
    CREATE INDEX audit_tenants_by_tenant ON audit_tenants (tenant, audit_id);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
    `,
  ],
};

/** The audit log in the embedded database; triggers refuse any update or delete. */
export class SqliteAuditStore implements AuditStore {
  private readonly statements: StatementCache;
  private readonly appendTx: (entry: AuditEntry) => void;

  constructor(db: Database) {
    this.statements = new StatementCache(db);
    migrate(db, AUDIT_MIGRATIONS);
    this.appendTx = db.transaction((entry: AuditEntry) => {
      this.statement(
        'INSERT INTO audit (id, at, actor_id, action, job_id, entry) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(
        entry.id,
        entry.at,
        entry.actor.id,
        entry.action,
        entry.target.jobId ?? null,
        JSON.stringify(entry),
      );
      const item = this.statement('INSERT INTO audit_items (audit_id, item_id) VALUES (?, ?)');
      for (const itemId of new Set(entry.target.itemIds ?? [])) item.run(entry.id, itemId);
      const tenant = this.statement('INSERT INTO audit_tenants (audit_id, tenant) VALUES (?, ?)');
      for (const name of new Set(entry.tenants)) tenant.run(entry.id, name);
    });
  }

  private statement(sql: string): Statement {
    return this.statements.get(sql);
  }

  async append(entry: AuditEntry): Promise<void> {
    try {
      this.appendTx(entry);
    } catch (error) {
      throw storeError('audit append', error);
    }
  }

  async listAudit(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    try {
      const conditions: string[] = ['1'];
      const params: unknown[] = [];
      if (filter.action !== undefined) {
        conditions.push('action = ?');
        params.push(filter.action);
      }
      if (filter.actorId !== undefined) {
        conditions.push('actor_id = ?');
        params.push(filter.actorId);
      }
      if (filter.actorIdIn !== undefined) {
        if (filter.actorIdIn.length === 0) conditions.push('0');
        else {
          conditions.push(`actor_id IN (${filter.actorIdIn.map(() => '?').join(',')})`);
          params.push(...filter.actorIdIn);
        }
      }
      if (filter.jobId !== undefined) {
        conditions.push('job_id = ?');
        params.push(filter.jobId);
      }
      if (filter.itemId !== undefined) {
        conditions.push('id IN (SELECT audit_id FROM audit_items WHERE item_id = ?)');
        params.push(filter.itemId);
      }
      if (filter.tenantIn !== undefined) {
        if (filter.tenantIn.length === 0) conditions.push('0');
        else {
          conditions.push(
            `id IN (SELECT audit_id FROM audit_tenants WHERE tenant IN (${filter.tenantIn.map(() => '?').join(',')}))`,
          );
          params.push(...filter.tenantIn);
        }
      }
      if (filter.after !== undefined) {
        conditions.push('at >= ?');
        params.push(filter.after);
      }
      if (filter.before !== undefined) {
        conditions.push('at < ?');
        params.push(filter.before);
      }
      if (page.cursor !== undefined) {
        const position = decodeCursor(page.cursor);
        conditions.push('(at < ? OR (at = ? AND id < ?))');
        params.push(position.receivedAt, position.receivedAt, position.id);
      }
      const rows = this.statement(
        `SELECT entry FROM audit WHERE ${conditions.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ?`,
      ).all(...params, page.limit + 1) as { entry: string }[];
      return pageOf(
        rows,
        page.limit,
        (last) => encodeCursor({ receivedAt: last.at, id: last.id }),
        (row) => JSON.parse(row.entry) as AuditEntry,
      );
    } catch (error) {
      throw storeError('audit list', error);
    }
  }
}
