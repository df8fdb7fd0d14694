import type { Database, Transaction } from 'better-sqlite3';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type {
  DigestSchedule,
  DigestSettings,
  DigestSettingsFilter,
  DigestState,
  DigestStore,
} from '../digest-store.js';
import type { Page, PageRequest } from '../item-store.js';
import { type OwnerScope, parseScopeKey, scopeKey } from '../owner-scope.js';
import { type MigrationSet, migrate } from './sqlite-database.js';
import { placeholders, StatementCache } from './sqlite-statements.js';

/** Schema of digest schedules and per-user send state. */
export const DIGEST_MIGRATIONS: MigrationSet = {
  name: 'digests',
  steps: [
    `
    CREATE TABLE digest_settings (
      scope TEXT PRIMARY KEY,
      scope_kind TEXT NOT NULL,
      schedule TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      updated_by TEXT NOT NULL
    ) STRICT;
    CREATE INDEX digest_settings_by_kind ON digest_settings (scope_kind, scope);
    CREATE TABLE digest_state (
      user_id TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      version INTEGER NOT NULL
    ) STRICT;
    `,
  ],
};

interface SettingsRow {
  scope: string;
  scope_kind: string;
  schedule: string;
  updated_at: string;
  updated_by: string;
}

function toSettings(row: SettingsRow): DigestSettings {
  return {
    scope: parseScopeKey(row.scope),
    schedule: JSON.parse(row.schedule) as DigestSchedule,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/** Digest schedules and send state in the embedded database (migration set `digests`). */
export class SqliteDigestStore implements DigestStore {
  private readonly sql: StatementCache;
  private readonly writeStateTx: Transaction<
    (state: DigestState, expected: number | null) => DigestState | null
  >;

  constructor(db: Database) {
    migrate(db, DIGEST_MIGRATIONS);
    this.sql = new StatementCache(db);
    this.writeStateTx = db.transaction((state: DigestState, expected: number | null) => {
      const version = (expected ?? 0) + 1;
      const stored: DigestState = { ...state, version };
      const json = JSON.stringify(stored);
      const changes =
        expected === null
          ? this.sql
              .get('INSERT OR IGNORE INTO digest_state (user_id, state, version) VALUES (?, ?, ?)')
              .run(state.userId, json, version).changes
          : this.sql
              .get('UPDATE digest_state SET state = ?, version = ? WHERE user_id = ? AND version = ?')
              .run(json, version, state.userId, expected).changes;
      return changes === 1 ? stored : null;
    });
  }

  getDigestSettings(scopes: readonly OwnerScope[]): Promise<DigestSettings[]> {
    return this.sql.run('getDigestSettings', () => {
      if (scopes.length === 0) return [];
      const keys = [...new Set(scopes.map(scopeKey))];
      const found: DigestSettings[] = [];
      // Bounded IN lists keep within SQLite's parameter limit for any page of users.
      for (let start = 0; start < keys.length; start += 500) {
        const chunk = keys.slice(start, start + 500);
        const rows = this.sql
          .get(`SELECT * FROM digest_settings WHERE scope IN (${placeholders(chunk.length)})`)
          .all(...chunk) as SettingsRow[];
        found.push(...rows.map(toSettings));
      }
      return found;
    });
  }

  putDigestSettings(settings: DigestSettings): Promise<void> {
    return this.sql.run('putDigestSettings', () => {
      this.sql
        .get(
          `INSERT INTO digest_settings (scope, scope_kind, schedule, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (scope) DO UPDATE SET schedule = excluded.schedule, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by`,
        )
        .run(
          scopeKey(settings.scope),
          settings.scope.kind,
          JSON.stringify(settings.schedule),
          settings.updatedAt,
          settings.updatedBy,
        );
    });
  }

  removeDigestSettings(scope: OwnerScope): Promise<boolean> {
    return this.sql.run(
      'removeDigestSettings',
      () => this.sql.get('DELETE FROM digest_settings WHERE scope = ?').run(scopeKey(scope)).changes > 0,
    );
  }

  listDigestSettings(filter: DigestSettingsFilter, page: PageRequest): Promise<Page<DigestSettings>> {
    return this.sql.run('listDigestSettings', () => {
      const conditions = ['1'];
      const params: unknown[] = [];
      if (filter.kinds !== undefined) {
        conditions.push(
          filter.kinds.length === 0 ? '0' : `scope_kind IN (${placeholders(filter.kinds.length)})`,
        );
        params.push(...filter.kinds);
      }
      if (page.cursor !== undefined) {
        conditions.push('scope > ?');
        params.push(decodeCursor(page.cursor).id);
      }
      const rows = this.sql
        .get(`SELECT * FROM digest_settings WHERE ${conditions.join(' AND ')} ORDER BY scope LIMIT ?`)
        .all(...params, page.limit + 1) as SettingsRow[];
      const items = rows.slice(0, page.limit).map(toSettings);
      const last = rows[Math.min(rows.length, page.limit) - 1];
      return {
        items,
        nextCursor:
          rows.length > page.limit && last ? encodeCursor({ receivedAt: '', id: last.scope }) : null,
      };
    });
  }

  getDigestStates(userIds: readonly string[]): Promise<Map<string, DigestState>> {
    return this.sql.run('getDigestStates', () => {
      const states = new Map<string, DigestState>();
      const ids = [...new Set(userIds)];
      for (let start = 0; start < ids.length; start += 500) {
        const chunk = ids.slice(start, start + 500);
        const rows = this.sql
          .get(`SELECT state FROM digest_state WHERE user_id IN (${placeholders(chunk.length)})`)
          .all(...chunk) as { state: string }[];
        for (const row of rows) {
          const state = JSON.parse(row.state) as DigestState;
          states.set(state.userId, state);
        }
      }
      return states;
    });
  }

  writeDigestState(state: DigestState, expectedVersion: number | null): Promise<DigestState | null> {
    return this.sql.run('writeDigestState', () => this.writeStateTx.immediate(state, expectedVersion));
  }
}
