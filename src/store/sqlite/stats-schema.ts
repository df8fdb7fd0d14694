import type { MigrationSet } from './sqlite-database.js';

/** Statuses in which an item counts as waiting in quarantine, for the top senders and recipients. */
const WAITING = "('quarantined', 'releasing')";

const partyUpsert = (kind: 'sender' | 'recipient', row: 'NEW', condition: string) => `
  INSERT INTO stats_parties (kind, scope, address, n)
    SELECT '${kind}', scope, ${row}.${kind}, 1 FROM (SELECT ${row}.tenant AS scope UNION ALL SELECT '*')
    WHERE ${condition}
    ON CONFLICT DO UPDATE SET n = n + 1;`;

const partyDecrement = (kind: 'sender' | 'recipient', condition: string) => `
  UPDATE stats_parties SET n = n - 1
    WHERE ${condition} AND kind = '${kind}' AND scope IN (OLD.tenant, '*') AND address = OLD.${kind};
  DELETE FROM stats_parties
    WHERE ${condition} AND kind = '${kind}' AND scope IN (OLD.tenant, '*') AND address = OLD.${kind} AND n <= 0;`;

/**
 * Dashboard counters, kept in the same transaction as every item insert and status change (since
 * step 2: triggers note each change, STATS_FOLD adds the notes up before the commit), so they are
 * exact and reading them costs the same at a thousand items or a million.
 * - stats_daily: per UTC day, tenant and reason: items received, released, deleted, expired.
 * - stats_status: items per tenant and status.
 * - stats_parties: items waiting per sender / recipient, per tenant and overall (scope '*'),
 *   indexed by count so that the top ten is an index scan.
 */
export const STATS_MIGRATIONS: MigrationSet = {
  name: 'stats',
  steps: [
    `
  CREATE TABLE stats_daily (
    day TEXT NOT NULL,
    tenant TEXT NOT NULL,
    reason TEXT NOT NULL,
    held INTEGER NOT NULL DEFAULT 0,
    released INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    expired INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, tenant, reason)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE stats_status (
    tenant TEXT NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (tenant, status)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE stats_parties (
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    address TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (kind, scope, address)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX stats_parties_top ON stats_parties (kind, scope, n DESC);

  CREATE TRIGGER stats_item_insert AFTER INSERT ON items BEGIN
    INSERT INTO stats_daily (day, tenant, reason, held) VALUES (substr(NEW.received_at, 1, 10), NEW.tenant, NEW.reason, 1)
      ON CONFLICT DO UPDATE SET held = held + 1;
    INSERT INTO stats_status (tenant, status, n) VALUES (NEW.tenant, NEW.status, 1)
      ON CONFLICT DO UPDATE SET n = n + 1;
    ${partyUpsert('sender', 'NEW', `NEW.status IN ${WAITING}`)}
    ${partyUpsert('recipient', 'NEW', `NEW.status IN ${WAITING}`)}
  END;

  CREATE TRIGGER stats_item_status AFTER UPDATE OF status ON items WHEN OLD.status <> NEW.status BEGIN
    INSERT INTO stats_daily (day, tenant, reason, released, deleted, expired)
      SELECT substr(NEW.updated_at, 1, 10), NEW.tenant, NEW.reason,
             NEW.status = 'released', NEW.status = 'deleted', NEW.status = 'expired'
      WHERE NEW.status IN ('released', 'deleted', 'expired')
      ON CONFLICT DO UPDATE SET released = released + excluded.released, deleted = deleted + excluded.deleted,
        expired = expired + excluded.expired;
    UPDATE stats_status SET n = n - 1 WHERE tenant = OLD.tenant AND status = OLD.status;
    INSERT INTO stats_status (tenant, status, n) VALUES (NEW.tenant, NEW.status, 1)
      ON CONFLICT DO UPDATE SET n = n + 1;
    ${partyUpsert('sender', 'NEW', `NEW.status IN ${WAITING} AND OLD.status NOT IN ${WAITING}`)}
    ${partyUpsert('recipient', 'NEW', `NEW.status IN ${WAITING} AND OLD.status NOT IN ${WAITING}`)}
    ${partyDecrement('sender', `OLD.status IN ${WAITING} AND NEW.status NOT IN ${WAITING}`)}
    ${partyDecrement('recipient', `OLD.status IN ${WAITING} AND NEW.status NOT IN ${WAITING}`)}
  END;

  -- Counters for items stored before this step ran.
  INSERT INTO stats_daily (day, tenant, reason, held)
    SELECT substr(received_at, 1, 10), tenant, reason, count(*) FROM items WHERE true GROUP BY 1, 2, 3;
  INSERT INTO stats_daily (day, tenant, reason, released, deleted, expired)
    SELECT substr(updated_at, 1, 10), tenant, reason, sum(status = 'released'), sum(status = 'deleted'),
           sum(status = 'expired')
    FROM items WHERE status IN ('released', 'deleted', 'expired') GROUP BY 1, 2, 3
    ON CONFLICT DO UPDATE SET released = released + excluded.released, deleted = deleted + excluded.deleted,
      expired = expired + excluded.expired;
  INSERT INTO stats_status (tenant, status, n) SELECT tenant, status, count(*) FROM items WHERE true GROUP BY 1, 2;
  INSERT INTO stats_parties (kind, scope, address, n)
    SELECT 'sender', tenant, sender, count(*) FROM items WHERE status IN ${WAITING} GROUP BY 2, 3;
  INSERT INTO stats_parties (kind, scope, address, n)
    SELECT 'sender', '*', sender, count(*) FROM items WHERE status IN ${WAITING} GROUP BY 3;
  INSERT INTO stats_parties (kind, scope, address, n)
    SELECT 'recipient', tenant, recipient, count(*) FROM items WHERE status IN ${WAITING} GROUP BY 2, 3;
  INSERT INTO stats_parties (kind, scope, address, n)
    SELECT 'recipient', '*', recipient, count(*) FROM items WHERE status IN ${WAITING} GROUP BY 3;
  `,
    // The triggers only note each change in stats_pending (one unindexed row); STATS_FOLD adds the
    // notes to the counters, grouped by counter, before the writing transaction commits.
    `
  DROP TRIGGER stats_item_insert;
  DROP TRIGGER stats_item_status;

  CREATE TABLE stats_pending (
    day TEXT NOT NULL,
    tenant TEXT NOT NULL,
    reason TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    old_status TEXT,
    new_status TEXT NOT NULL
  ) STRICT;

  CREATE TRIGGER stats_item_insert AFTER INSERT ON items BEGIN
    INSERT INTO stats_pending VALUES (substr(NEW.received_at, 1, 10), NEW.tenant, NEW.reason, NEW.sender,
      NEW.recipient, NULL, NEW.status);
  END;

  CREATE TRIGGER stats_item_status AFTER UPDATE OF status ON items WHEN OLD.status <> NEW.status BEGIN
    INSERT INTO stats_pending VALUES (substr(NEW.updated_at, 1, 10), NEW.tenant, NEW.reason, NEW.sender,
      NEW.recipient, OLD.status, NEW.status);
  END;
  `,
  ],
};

/** Items entering (+1) or leaving (-1) the waiting statuses, from the noted changes. */
const MOVES = `moves AS MATERIALIZED (
  SELECT tenant, sender, recipient, (new_status IN ${WAITING}) - ifnull(old_status IN ${WAITING}, 0) AS delta
  FROM stats_pending WHERE (new_status IN ${WAITING}) <> ifnull(old_status IN ${WAITING}, 0))`;

/** The stats_parties keys the moves touch: each move counts for its tenant and overall ('*'). */
const PARTY_KEYS = `
  SELECT 'sender' AS kind, tenant AS scope, sender AS address, delta FROM moves
  UNION ALL SELECT 'sender', '*', sender, delta FROM moves
  UNION ALL SELECT 'recipient', tenant, recipient, delta FROM moves
  UNION ALL SELECT 'recipient', '*', recipient, delta FROM moves`;

/**
 * Adds the changes noted in stats_pending to the counters and empties it: one upsert per distinct
 * counter key, however many items changed. Writers run it inside each transaction that changes items,
 * before the commit (foldStats in stats-fold.ts), so the counters are exact after every commit; notes
 * that a writer committed without folding are folded by the next writer or reader.
 */
export const STATS_FOLD: readonly string[] = [
  `INSERT INTO stats_daily (day, tenant, reason, held, released, deleted, expired)
     SELECT day, tenant, reason, sum(old_status IS NULL), sum(old_status IS NOT NULL AND new_status = 'released'),
       sum(old_status IS NOT NULL AND new_status = 'deleted'), sum(old_status IS NOT NULL AND new_status = 'expired')
     FROM stats_pending WHERE old_status IS NULL OR new_status IN ('released', 'deleted', 'expired')
     GROUP BY day, tenant, reason
     ON CONFLICT DO UPDATE SET held = held + excluded.held, released = released + excluded.released,
       deleted = deleted + excluded.deleted, expired = expired + excluded.expired`,
  `INSERT INTO stats_status (tenant, status, n)
     SELECT tenant, status, sum(delta) FROM (
       SELECT tenant, new_status AS status, 1 AS delta FROM stats_pending
       UNION ALL SELECT tenant, old_status, -1 FROM stats_pending WHERE old_status IS NOT NULL)
     WHERE true GROUP BY tenant, status HAVING sum(delta) <> 0
     ON CONFLICT DO UPDATE SET n = n + excluded.n`,
  `WITH ${MOVES}
   INSERT INTO stats_parties (kind, scope, address, n)
     SELECT kind, scope, address, sum(delta) FROM (${PARTY_KEYS})
     WHERE true GROUP BY kind, scope, address HAVING sum(delta) <> 0
     ON CONFLICT DO UPDATE SET n = n + excluded.n`,
  `WITH ${MOVES}
   DELETE FROM stats_parties WHERE n <= 0
     AND (kind, scope, address) IN (SELECT kind, scope, address FROM (${PARTY_KEYS}) WHERE delta < 0)`,
  'DELETE FROM stats_pending',
];
