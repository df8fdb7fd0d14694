import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { SqliteStatsStore } from '../../src/store/sqlite/sqlite-stats-store.js';
import { StatsFold } from '../../src/store/sqlite/stats-fold.js';

const REASONS = ['spam', 'malware', 'phish', 'policy', 'bulk'] as const;

/**
 * Writes `count` items (one recipient each, no raw message) straight into the embedded store of
 * `dataDir`, in one transaction, before `serve` starts on it: the quick way to a big list. Item i is
 * received i seconds before `newest`, its subject is `Seeded message #i`.
 */
export async function seedItems(dataDir: string, count: number, newest = new Date()): Promise<void> {
  const db = openSqliteDatabase(join(dataDir, 'lazaret.sqlite'));
  try {
    // The stores create their tables (and the stats triggers) as serve would.
    const items = new SqliteItemStore({ db });
    new SqliteStatsStore(db);
    const message = db.prepare(
      `INSERT INTO messages (id, received_at, size, sha256, blob_key, envelope, headers, attachments, parse_problems)
       VALUES (?, ?, 1000, '', ?, '{"mailFrom":"","rcptTo":[]}', '{}', '[]', '[]')`,
    );
    const item = db.prepare(
      `INSERT INTO items (id, message_id, recipient, tenant, sender, sender_domain, subject, size, has_attachments,
         reason, score, details, status, received_at, updated_at, version)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1000, 0, ?, ?, '{}', 'quarantined', ?, ?, 1)`,
    );
    db.transaction(() => {
      for (let index = 0; index < count; index += 1) {
        const id = String(index).padStart(26, '0');
        const at = new Date(newest.getTime() - index * 1000).toISOString();
        const sender = `sender${index % 97}@bulk${index % 7}.test`;
        message.run(`M${id.slice(1)}`, at, `M${id.slice(1)}`);
        item.run(
          `I${id.slice(1)}`,
          `M${id.slice(1)}`,
          `user${index % 50}@corp.test`,
          'corp.test',
          sender,
          sender.split('@')[1],
          `Seeded message #${index}`,
          REASONS[index % REASONS.length],
          (index % 20) / 2,
          at,
          at,
        );
      }
      // The dashboard counters, as the item store's own writes keep them.
      new StatsFold(db).run();
    })();
    await items.close();
  } finally {
    db.close();
  }
}

/** An item that insertUnfolded writes: the tenant and sender domain follow from the addresses. */
export interface UnfoldedItem {
  id: string;
  recipient: string;
  sender: string;
  reason?: string;
}

/**
 * Writes one message (`m1`, received 2026-11-03T10:00Z) and its quarantined `items` with plain SQL on
 * `db`, then moves them through `moves` in order (updated 2026-11-04T10:00Z): a writer that lets the
 * stats triggers note each change but never folds the notes into the dashboard counters.
 */
export function insertUnfolded(
  db: Database,
  items: readonly UnfoldedItem[],
  moves: readonly (readonly [id: string, status: string])[] = [],
): void {
  const received = '2026-11-03T10:00:00.000Z';
  const updated = '2026-11-04T10:00:00.000Z';
  db.transaction(() => {
    db.prepare(
      `INSERT INTO messages (id, received_at, size, sha256, blob_key, envelope, headers, attachments, parse_problems)
       VALUES ('m1', ?, 1, '', 'm1', '{}', '{}', '[]', '[]')`,
    ).run(received);
    const item = db.prepare(
      `INSERT INTO items (id, message_id, recipient, tenant, sender, sender_domain, size, has_attachments, reason,
         score, details, status, received_at, updated_at, version)
       VALUES (?, 'm1', ?, ?, ?, ?, 1, 0, ?, 1, '{}', 'quarantined', ?, ?, 1)`,
    );
    for (const { id, recipient, sender, reason = 'spam' } of items) {
      item.run(
        id,
        recipient,
        recipient.split('@')[1],
        sender,
        sender.split('@')[1],
        reason,
        received,
        received,
      );
    }
    const move = db.prepare('UPDATE items SET status = ?, updated_at = ? WHERE id = ?');
    for (const [id, status] of moves) move.run(status, updated, id);
  })();
}
