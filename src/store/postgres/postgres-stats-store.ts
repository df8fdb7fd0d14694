import type pg from 'pg';
import { type DayRow, daysOfRows } from '../stats-rows.js';
import type { PartyCount, QuarantineStats, StatsRequest, StatsScope, StatsStore } from '../stats-store.js';
import { postgresError } from './postgres-errors.js';
import { migratePostgres } from './postgres-migrations.js';
import { inTransaction } from './postgres-query.js';
import { POSTGRES_STATS_MIGRATIONS } from './postgres-stats-schema.js';

/** PostgreSQL answers sums and counts as bigint, which the driver hands over as strings. */
type Counted<Row> = { [Key in keyof Row]: Row[Key] extends number ? string : Row[Key] };

const number = (value: string | number) => Number(value);

function dayRowOf(row: Counted<DayRow>): DayRow {
  return {
    day: row.day,
    reason: row.reason,
    held: number(row.held),
    released: number(row.released),
    deleted: number(row.deleted),
    expired: number(row.expired),
  };
}

const partyOf = (row: Counted<PartyCount>): PartyCount => ({
  address: row.address,
  count: number(row.count),
});

function statusesOf(rows: readonly { status: string; n: string }[]): Record<string, number> {
  return Object.fromEntries(rows.map((row) => [row.status, number(row.n)]));
}

/**
 * Dashboard numbers from the counter tables the item triggers keep (postgres-stats-schema.ts), read
 * in one snapshot. A user's scope (a handful of addresses) is counted from the items themselves
 * through the recipient index, as on SQLite.
 */
export class PostgresStatsStore implements StatsStore {
  private constructor(private readonly pool: pg.Pool) {}

  /** The stats tables and triggers are created on the items table, whose migrations ran first. */
  static async open(pool: pg.Pool): Promise<PostgresStatsStore> {
    try {
      await migratePostgres(pool, [POSTGRES_STATS_MIGRATIONS]);
    } catch (error) {
      throw postgresError('migrate', error);
    }
    return new PostgresStatsStore(pool);
  }

  async stats(scope: StatsScope, request: StatsRequest): Promise<QuarantineStats> {
    const empty = scope.tenantIn?.length === 0 || scope.recipientIn?.length === 0;
    if (empty) return { days: [], statuses: {}, topSenders: [], topRecipients: [] };
    return inTransaction(this.pool, 'stats', async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return scope.recipientIn
        ? forRecipients(client, scope.recipientIn, request)
        : fromCounters(client, scope.tenantIn, request);
    });
  }
}

async function fromCounters(
  client: pg.PoolClient,
  tenants: readonly string[] | undefined,
  request: StatsRequest,
): Promise<QuarantineStats> {
  const tenantCondition = (index: number) => (tenants ? `AND tenant = ANY($${index})` : '');
  const tenantParams = tenants ? [[...tenants]] : [];
  const days = await client.query<Counted<DayRow>>(
    `SELECT day, reason, sum(held) AS held, sum(released) AS released, sum(deleted) AS deleted,
       sum(expired) AS expired
     FROM stats_daily WHERE day >= $1 AND day <= $2 ${tenantCondition(3)} GROUP BY day, reason ORDER BY day`,
    [request.fromDay, request.toDay, ...tenantParams],
  );
  const statuses = await client.query<{ status: string; n: string }>(
    `SELECT status, sum(n) AS n FROM stats_status WHERE n > 0 ${tenantCondition(1)} GROUP BY status`,
    tenantParams,
  );
  const top = async (kind: 'sender' | 'recipient'): Promise<PartyCount[]> => {
    const rows =
      !tenants || tenants.length === 1
        ? await client.query<Counted<PartyCount>>(
            `SELECT address, n AS count FROM stats_parties WHERE kind = $1 AND scope = $2
             ORDER BY n DESC, address LIMIT $3`,
            [kind, tenants?.[0] ?? '*', request.top],
          )
        : await client.query<Counted<PartyCount>>(
            `SELECT address, sum(n) AS count FROM stats_parties WHERE kind = $1 AND scope = ANY($2)
             GROUP BY address ORDER BY count DESC, address LIMIT $3`,
            [kind, [...tenants], request.top],
          );
    return rows.rows.map(partyOf);
  };
  return {
    days: daysOfRows(days.rows.map(dayRowOf)),
    statuses: statusesOf(statuses.rows),
    topSenders: await top('sender'),
    topRecipients: await top('recipient'),
  };
}

async function forRecipients(
  client: pg.PoolClient,
  recipients: readonly string[],
  request: StatsRequest,
): Promise<QuarantineStats> {
  const window = [[...recipients], `${request.fromDay}T00:00:00.000Z`, `${request.toDay}T99`];
  const held = await client.query<Counted<DayRow>>(
    `SELECT substr(received_at, 1, 10) AS day, reason, count(*) AS held, 0 AS released, 0 AS deleted, 0 AS expired
     FROM items WHERE recipient = ANY($1) AND received_at >= $2 AND received_at < $3 GROUP BY 1, 2`,
    window,
  );
  const changed = await client.query<Counted<DayRow>>(
    `SELECT substr(updated_at, 1, 10) AS day, reason, 0 AS held,
       count(*) FILTER (WHERE status = 'released') AS released,
       count(*) FILTER (WHERE status = 'deleted') AS deleted,
       count(*) FILTER (WHERE status = 'expired') AS expired
     FROM items WHERE recipient = ANY($1) AND status IN ('released', 'deleted', 'expired')
       AND updated_at >= $2 AND updated_at < $3 GROUP BY 1, 2`,
    window,
  );
  const statuses = await client.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM items WHERE recipient = ANY($1) GROUP BY status',
    [[...recipients]],
  );
  const top = async (column: 'sender' | 'recipient') =>
    (
      await client.query<Counted<PartyCount>>(
        `SELECT ${column} AS address, count(*) AS count FROM items
         WHERE recipient = ANY($1) AND status IN ('quarantined', 'releasing')
         GROUP BY ${column} ORDER BY count DESC, address LIMIT $2`,
        [[...recipients], request.top],
      )
    ).rows.map(partyOf);
  return {
    days: daysOfRows([...held.rows, ...changed.rows].map(dayRowOf)),
    statuses: statusesOf(statuses.rows),
    topSenders: await top('sender'),
    topRecipients: await top('recipient'),
  };
}
