import type { Database } from 'better-sqlite3';
import { storeError } from '../../core/errors.js';
import { type DayRow, daysOfRows } from '../stats-rows.js';
import type { PartyCount, QuarantineStats, StatsRequest, StatsScope, StatsStore } from '../stats-store.js';
import { ITEM_MIGRATIONS } from './schema.js';
import { migrate } from './sqlite-database.js';
import { StatsFold } from './stats-fold.js';
import { STATS_MIGRATIONS } from './stats-schema.js';

const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(',');

/**
 * Dashboard numbers from the counter tables that item writes keep (see stats-schema.ts). A user's
 * scope (a handful of addresses) is counted from the items themselves through the recipient index.
 */
export class SqliteStatsStore implements StatsStore {
  private readonly fold: StatsFold;

  constructor(private readonly db: Database) {
    // The triggers are defined on the items table, so that has to exist first.
    migrate(db, ITEM_MIGRATIONS);
    migrate(db, STATS_MIGRATIONS);
    this.fold = new StatsFold(db);
  }

  stats(scope: StatsScope, request: StatsRequest): Promise<QuarantineStats> {
    try {
      const empty = scope.tenantIn?.length === 0 || scope.recipientIn?.length === 0;
      if (empty) return Promise.resolve({ days: [], statuses: {}, topSenders: [], topRecipients: [] });
      // Changes committed by a writer that does not fold (e.g. a bulk loader writing rows directly).
      if (this.fold.pending()) this.db.transaction(() => this.fold.run())();
      return Promise.resolve(
        this.db.transaction(() =>
          scope.recipientIn
            ? this.forRecipients(scope.recipientIn, request)
            : this.fromCounters(scope.tenantIn, request),
        )(),
      );
    } catch (error) {
      return Promise.reject(storeError('stats', error));
    }
  }

  private fromCounters(tenants: readonly string[] | undefined, request: StatsRequest): QuarantineStats {
    const tenantCondition = tenants ? `AND tenant IN (${placeholders(tenants)})` : '';
    const tenantParams = tenants ?? [];
    const dayRows = this.db
      .prepare(
        `SELECT day, reason, sum(held) AS held, sum(released) AS released, sum(deleted) AS deleted,
           sum(expired) AS expired
         FROM stats_daily WHERE day >= ? AND day <= ? ${tenantCondition} GROUP BY day, reason ORDER BY day`,
      )
      .all(request.fromDay, request.toDay, ...tenantParams) as DayRow[];
    const statusRows = this.db
      .prepare(`SELECT status, sum(n) AS n FROM stats_status WHERE n > 0 ${tenantCondition} GROUP BY status`)
      .all(...tenantParams) as { status: string; n: number }[];
    const top = (kind: 'sender' | 'recipient'): PartyCount[] => {
      if (!tenants || tenants.length === 1) {
        return this.db
          .prepare(
            'SELECT address, n AS count FROM stats_parties WHERE kind = ? AND scope = ? ORDER BY n DESC, address LIMIT ?',
          )
          .all(kind, tenants?.[0] ?? '*', request.top) as PartyCount[];
      }
      return this.db
        .prepare(
          `SELECT address, sum(n) AS count FROM stats_parties WHERE kind = ? AND scope IN (${placeholders(tenants)})
           GROUP BY address ORDER BY count DESC, address LIMIT ?`,
        )
        .all(kind, ...tenants, request.top) as PartyCount[];
    };
    return {
      days: daysOfRows(dayRows),
      statuses: Object.fromEntries(statusRows.map((row) => [row.status, row.n])),
      topSenders: top('sender'),
      topRecipients: top('recipient'),
    };
  }

  private forRecipients(recipients: readonly string[], request: StatsRequest): QuarantineStats {
    const inList = `recipient IN (${placeholders(recipients)})`;
    const from = `${request.fromDay}T00:00:00.000Z`;
    const until = `${request.toDay}T99`;
    const held = this.db
      .prepare(
        `SELECT substr(received_at, 1, 10) AS day, reason, count(*) AS held, 0 AS released, 0 AS deleted, 0 AS expired
         FROM items WHERE ${inList} AND received_at >= ? AND received_at < ? GROUP BY 1, 2`,
      )
      .all(...recipients, from, until) as DayRow[];
    const changed = this.db
      .prepare(
        `SELECT substr(updated_at, 1, 10) AS day, reason, 0 AS held, sum(status = 'released') AS released,
           sum(status = 'deleted') AS deleted, sum(status = 'expired') AS expired
         FROM items WHERE ${inList} AND status IN ('released', 'deleted', 'expired')
           AND updated_at >= ? AND updated_at < ? GROUP BY 1, 2`,
      )
      .all(...recipients, from, until) as DayRow[];
    const statusRows = this.db
      .prepare(`SELECT status, count(*) AS n FROM items WHERE ${inList} GROUP BY status`)
      .all(...recipients) as { status: string; n: number }[];
    const top = (column: 'sender' | 'recipient') =>
      this.db
        .prepare(
          `SELECT ${column} AS address, count(*) AS count FROM items
           WHERE ${inList} AND status IN ('quarantined', 'releasing')
           GROUP BY ${column} ORDER BY count DESC, address LIMIT ?`,
        )
        .all(...recipients, request.top) as PartyCount[];
    return {
      days: daysOfRows([...held, ...changed]),
      statuses: Object.fromEntries(statusRows.map((row) => [row.status, row.n])),
      topSenders: top('sender'),
      topRecipients: top('recipient'),
    };
  }
}
