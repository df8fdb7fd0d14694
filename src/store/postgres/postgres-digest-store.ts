import type pg from 'pg';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type {
  DigestSchedule,
  DigestSettings,
  DigestSettingsFilter,
  DigestState,
  DigestStore,
} from '../digest-store.js';
import type { Page, PageRequest } from '../item-store.js';
import { type OwnerScope, parseScopeKey, scopeKey } from '../owner-scope.js';
import { postgresError } from './postgres-errors.js';
import { migratePostgres, type PostgresMigrationSet } from './postgres-migrations.js';
import { jsonParam, queryRows } from './postgres-query.js';

/** Digest schedules and per-user send state. */
export const POSTGRES_DIGEST_MIGRATIONS: PostgresMigrationSet = {
  name: 'digests',
  steps: [
    `
    CREATE TABLE digest_settings (
      scope text COLLATE "C" PRIMARY KEY,
      scope_kind text COLLATE "C" NOT NULL,
      schedule jsonb NOT NULL,
      updated_at text COLLATE "C" NOT NULL,
      updated_by text NOT NULL
    );
    CREATE INDEX digest_settings_by_kind ON digest_settings (scope_kind, scope);
    CREATE TABLE digest_state (
      user_id text COLLATE "C" PRIMARY KEY,
      state jsonb NOT NULL,
      version integer NOT NULL
    );
    `,
  ],
};

interface SettingsRow {
  scope: string;
  scope_kind: string;
  schedule: DigestSchedule;
  updated_at: string;
  updated_by: string;
}

function toSettings(row: SettingsRow): DigestSettings {
  return {
    scope: parseScopeKey(row.scope),
    schedule: row.schedule,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/** Digest schedules and send state on PostgreSQL (migration set `digests`). */
export class PostgresDigestStore implements DigestStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PostgresDigestStore> {
    try {
      await migratePostgres(pool, [POSTGRES_DIGEST_MIGRATIONS]);
    } catch (error) {
      throw postgresError('migrate', error);
    }
    return new PostgresDigestStore(pool);
  }

  async getDigestSettings(scopes: readonly OwnerScope[]): Promise<DigestSettings[]> {
    if (scopes.length === 0) return [];
    const rows = await queryRows<SettingsRow>(
      this.pool,
      'getDigestSettings',
      'SELECT * FROM digest_settings WHERE scope = ANY($1::text[])',
      [[...new Set(scopes.map(scopeKey))]],
    );
    return rows.map(toSettings);
  }

  async putDigestSettings(settings: DigestSettings): Promise<void> {
    await queryRows(
      this.pool,
      'putDigestSettings',
      `INSERT INTO digest_settings (scope, scope_kind, schedule, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (scope) DO UPDATE SET schedule = excluded.schedule, updated_at = excluded.updated_at,
         updated_by = excluded.updated_by`,
      [
        scopeKey(settings.scope),
        settings.scope.kind,
        jsonParam(settings.schedule),
        settings.updatedAt,
        settings.updatedBy,
      ],
    );
  }

  async removeDigestSettings(scope: OwnerScope): Promise<boolean> {
    const rows = await queryRows(
      this.pool,
      'removeDigestSettings',
      'DELETE FROM digest_settings WHERE scope = $1 RETURNING scope',
      [scopeKey(scope)],
    );
    return rows.length > 0;
  }

  async listDigestSettings(filter: DigestSettingsFilter, page: PageRequest): Promise<Page<DigestSettings>> {
    const conditions = ['true'];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.kinds !== undefined) conditions.push(`scope_kind = ANY(${param([...filter.kinds])}::text[])`);
    if (page.cursor !== undefined) conditions.push(`scope > ${param(decodeCursor(page.cursor).id)}`);
    const rows = await queryRows<SettingsRow>(
      this.pool,
      'listDigestSettings',
      `SELECT * FROM digest_settings WHERE ${conditions.join(' AND ')} ORDER BY scope LIMIT ${param(page.limit + 1)}`,
      values,
    );
    return pageOf(
      rows,
      page.limit,
      (last) => encodeCursor({ receivedAt: '', id: scopeKey(last.scope) }),
      toSettings,
    );
  }

  async getDigestStates(userIds: readonly string[]): Promise<Map<string, DigestState>> {
    const states = new Map<string, DigestState>();
    if (userIds.length === 0) return states;
    const rows = await queryRows<{ state: DigestState }>(
      this.pool,
      'getDigestStates',
      'SELECT state FROM digest_state WHERE user_id = ANY($1::text[])',
      [[...new Set(userIds)]],
    );
    for (const row of rows) states.set(row.state.userId, row.state);
    return states;
  }

  async writeDigestState(state: DigestState, expectedVersion: number | null): Promise<DigestState | null> {
    const version = (expectedVersion ?? 0) + 1;
    const stored: DigestState = { ...state, version };
    const rows = await queryRows(
      this.pool,
      'writeDigestState',
      expectedVersion === null
        ? `INSERT INTO digest_state (user_id, state, version) VALUES ($1, $2, $3)
           ON CONFLICT (user_id) DO NOTHING RETURNING user_id`
        : 'UPDATE digest_state SET state = $2, version = $3 WHERE user_id = $1 AND version = $4 RETURNING user_id',
      expectedVersion === null
        ? [state.userId, jsonParam(stored), version]
        : [state.userId, jsonParam(stored), version, expectedVersion],
    );
    return rows.length === 1 ? stored : null;
  }
}
