import type { Database } from 'better-sqlite3';
import type { ItemStatus } from '../../src/core/types.js';

/** The dashboard counter tables of the embedded store, rows that count something, in key order. */
export function readCounters(db: Database) {
  return {
    statuses: db.prepare('SELECT tenant, status, n FROM stats_status WHERE n <> 0 ORDER BY 1, 2').all(),
    // Every row: a party whose count fell to zero must be gone, not left behind at 0.
    parties: db.prepare('SELECT kind, scope, address, n FROM stats_parties ORDER BY 1, 2, 3').all(),
    held: db
      .prepare('SELECT day, tenant, reason, held AS n FROM stats_daily WHERE held <> 0 ORDER BY 1, 2, 3')
      .all(),
  };
}

/** What readCounters must say, counted from the items table itself. */
export function recountFromItems(db: Database) {
  const waiting = "status IN ('quarantined', 'releasing')";
  return {
    statuses: db.prepare('SELECT tenant, status, count(*) AS n FROM items GROUP BY 1, 2 ORDER BY 1, 2').all(),
    parties: db
      .prepare(
        `SELECT 'recipient' AS kind, tenant AS scope, recipient AS address, count(*) AS n FROM items WHERE ${waiting} GROUP BY 2, 3
         UNION ALL SELECT 'recipient', '*', recipient, count(*) FROM items WHERE ${waiting} GROUP BY 3
         UNION ALL SELECT 'sender', tenant, sender, count(*) FROM items WHERE ${waiting} GROUP BY 2, 3
         UNION ALL SELECT 'sender', '*', sender, count(*) FROM items WHERE ${waiting} GROUP BY 3
         ORDER BY 1, 2, 3`,
      )
      .all(),
    held: db
      .prepare(
        'SELECT substr(received_at, 1, 10) AS day, tenant, reason, count(*) AS n FROM items GROUP BY 1, 2, 3 ORDER BY 1, 2, 3',
      )
      .all(),
  };
}

/**
 * Releases, deletes and expiries per day, tenant and reason: the counters count every such change,
 * also one an item later left (released, then deleted), so a test notes each change it made here.
 */
export class ChangeLedger {
  private readonly counts = new Map<string, number>();

  note(change: { at: string; tenant: string; reason: string; status: ItemStatus }): void {
    if (!['released', 'deleted', 'expired'].includes(change.status)) return;
    const key = `${change.at.slice(0, 10)}|${change.tenant}|${change.reason}|${change.status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  expected(): string[] {
    return [...this.counts].map(([key, n]) => `${key}=${n}`).sort();
  }

  static counted(db: Database): string[] {
    const rows = db
      .prepare('SELECT day, tenant, reason, released, deleted, expired FROM stats_daily')
      .all() as {
      day: string;
      tenant: string;
      reason: string;
      released: number;
      deleted: number;
      expired: number;
    }[];
    return rows
      .flatMap((row) =>
        (['released', 'deleted', 'expired'] as const)
          .filter((status) => row[status] !== 0)
          .map((status) => `${row.day}|${row.tenant}|${row.reason}|${status}=${row[status]}`),
      )
      .sort();
  }
}
