import type { PostgresMigrationSet } from './postgres-migrations.js';

/** Statuses in which an item counts as waiting in quarantine, for the top senders and recipients. */
const WAITING = "('quarantined', 'releasing')";

/**
 * The counter upserts for a set of item changes: `changes` is a query of (day, tenant, reason,
 * sender, recipient, old_status, new_status), old_status NULL for a new item. Each statement groups
 * by counter key and upserts in key order, and every writer touches the tables in this order, so two
 * nodes' transactions wait for each other on a shared counter instead of deadlocking.
 */
function foldStatements(changes: string): string {
  const moves = `moves AS (
    SELECT tenant, sender, recipient,
      (new_status IN ${WAITING})::int - coalesce((old_status IN ${WAITING})::int, 0) AS delta
    FROM changes
    WHERE (new_status IN ${WAITING})::int <> coalesce((old_status IN ${WAITING})::int, 0))`;
  const partyKeys = `
    SELECT 'sender' AS kind, tenant AS scope, sender AS address, delta FROM moves
    UNION ALL SELECT 'sender', '*', sender, delta FROM moves
    UNION ALL SELECT 'recipient', tenant, recipient, delta FROM moves
    UNION ALL SELECT 'recipient', '*', recipient, delta FROM moves`;
  return `
    WITH changes AS (${changes})
    INSERT INTO stats_daily AS counter (day, tenant, reason, held, released, deleted, expired)
      SELECT day, tenant, reason, count(*) FILTER (WHERE old_status IS NULL),
        count(*) FILTER (WHERE old_status IS NOT NULL AND new_status = 'released'),
        count(*) FILTER (WHERE old_status IS NOT NULL AND new_status = 'deleted'),
        count(*) FILTER (WHERE old_status IS NOT NULL AND new_status = 'expired')
      FROM changes WHERE old_status IS NULL OR new_status IN ('released', 'deleted', 'expired')
      GROUP BY day, tenant, reason ORDER BY day, tenant, reason
      ON CONFLICT (day, tenant, reason) DO UPDATE SET held = counter.held + excluded.held,
        released = counter.released + excluded.released, deleted = counter.deleted + excluded.deleted,
        expired = counter.expired + excluded.expired;
    WITH changes AS (${changes})
    INSERT INTO stats_status AS counter (tenant, status, n)
      SELECT tenant, status, sum(delta) FROM (
        SELECT tenant, new_status AS status, 1 AS delta FROM changes
        UNION ALL SELECT tenant, old_status, -1 FROM changes WHERE old_status IS NOT NULL) AS deltas
      GROUP BY tenant, status HAVING sum(delta) <> 0 ORDER BY tenant, status
      ON CONFLICT (tenant, status) DO UPDATE SET n = counter.n + excluded.n;
    WITH changes AS (${changes}), ${moves}
    INSERT INTO stats_parties AS counter (kind, scope, address, n)
      SELECT kind, scope, address, sum(delta) FROM (${partyKeys}) AS keys
      GROUP BY kind, scope, address HAVING sum(delta) <> 0 ORDER BY kind, scope, address
      ON CONFLICT (kind, scope, address) DO UPDATE SET n = counter.n + excluded.n;
    WITH changes AS (${changes}), ${moves}
    DELETE FROM stats_parties WHERE n <= 0
      AND (kind, scope, address) IN (SELECT kind, scope, address FROM (${partyKeys}) AS keys WHERE delta < 0);`;
}

const INSERTED = `SELECT substr(received_at, 1, 10) AS day, tenant, reason, sender, recipient,
  NULL::text AS old_status, status AS new_status FROM inserted_items`;

const STATUS_CHANGED = `SELECT substr(after.updated_at, 1, 10) AS day, after.tenant, after.reason, after.sender,
  after.recipient, before.status AS old_status, after.status AS new_status
  FROM updated_before AS before JOIN updated_after AS after ON after.id = before.id
  WHERE before.status <> after.status`;

/**
 * Dashboard counters, the same tables as the embedded store's (src/store/sqlite/stats-schema.ts),
 * kept by statement triggers on items in the transaction of every item insert and status change:
 * exact after every commit, whichever node wrote, and reading them costs the same at a thousand items
 * or a million. A statement trigger sees all rows the statement wrote (transition tables), so a batch
 * of items costs one upsert per distinct counter, not one per item.
 * - stats_daily: per UTC day, tenant and reason: items received, released, deleted, expired.
 * - stats_status: items per tenant and status.
 * - stats_parties: items waiting per sender / recipient, per tenant and overall (scope '*'),
 *   indexed by count so that the top ten is an index scan.
 * The step also counts the items stored before it ran.
 */
export const POSTGRES_STATS_MIGRATIONS: PostgresMigrationSet = {
  name: 'stats',
  steps: [
    `
  CREATE TABLE stats_daily (
    day text COLLATE "C" NOT NULL,
    tenant text COLLATE "C" NOT NULL,
    reason text COLLATE "C" NOT NULL,
    held bigint NOT NULL DEFAULT 0,
    released bigint NOT NULL DEFAULT 0,
    deleted bigint NOT NULL DEFAULT 0,
    expired bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, tenant, reason)
  );
  CREATE TABLE stats_status (
    tenant text COLLATE "C" NOT NULL,
    status text COLLATE "C" NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (tenant, status)
  );
  CREATE TABLE stats_parties (
    kind text COLLATE "C" NOT NULL,
    scope text COLLATE "C" NOT NULL,
    address text COLLATE "C" NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (kind, scope, address)
  );
  CREATE INDEX stats_parties_top ON stats_parties (kind, scope, n DESC, address);

  CREATE FUNCTION stats_items_inserted() RETURNS trigger LANGUAGE plpgsql AS $fold$
  BEGIN
    ${foldStatements(INSERTED)}
    RETURN NULL;
  END;
  $fold$;
  CREATE FUNCTION stats_items_updated() RETURNS trigger LANGUAGE plpgsql AS $fold$
  BEGIN
    ${foldStatements(STATUS_CHANGED)}
    RETURN NULL;
  END;
  $fold$;
  CREATE TRIGGER stats_items_insert AFTER INSERT ON items
    REFERENCING NEW TABLE AS inserted_items FOR EACH STATEMENT EXECUTE FUNCTION stats_items_inserted();
  CREATE TRIGGER stats_items_update AFTER UPDATE ON items
    REFERENCING OLD TABLE AS updated_before NEW TABLE AS updated_after
    FOR EACH STATEMENT EXECUTE FUNCTION stats_items_updated();

  -- Counters for the items stored before this step ran.
  INSERT INTO stats_daily (day, tenant, reason, held, released, deleted, expired)
    SELECT day, tenant, reason, sum(held), sum(released), sum(deleted), sum(expired) FROM (
      SELECT substr(received_at, 1, 10) AS day, tenant, reason, 1 AS held, 0 AS released, 0 AS deleted,
        0 AS expired FROM items
      UNION ALL
      SELECT substr(updated_at, 1, 10), tenant, reason, 0, (status = 'released')::int,
        (status = 'deleted')::int, (status = 'expired')::int
      FROM items WHERE status IN ('released', 'deleted', 'expired')) AS counted
    GROUP BY day, tenant, reason;
  INSERT INTO stats_status (tenant, status, n) SELECT tenant, status, count(*) FROM items GROUP BY 1, 2;
  INSERT INTO stats_parties (kind, scope, address, n)
    SELECT 'sender', tenant, sender, count(*) FROM items WHERE status IN ${WAITING} GROUP BY 2, 3
    UNION ALL SELECT 'sender', '*', sender, count(*) FROM items WHERE status IN ${WAITING} GROUP BY 3
    UNION ALL SELECT 'recipient', tenant, recipient, count(*) FROM items WHERE status IN ${WAITING} GROUP BY 2, 3
    UNION ALL SELECT 'recipient', '*', recipient, count(*) FROM items WHERE status IN ${WAITING} GROUP BY 3;
  `,
  ],
};
