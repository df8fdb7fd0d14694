// Seeds N items (default 1,000,000) into a fresh embedded store and times the dashboard queries.
// Run after `npm run build`: node bench/stats-bench.mjs [items]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../dist/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../dist/store/sqlite/sqlite-item-store.js';
import { SqliteStatsStore } from '../dist/store/sqlite/sqlite-stats-store.js';
import { StatsFold } from '../dist/store/sqlite/stats-fold.js';

const total = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'lazaret-bench-stats-'));
const db = openSqliteDatabase(join(dir, 'lazaret.sqlite'));
db.pragma('synchronous = OFF');
new SqliteItemStore({ db });
const stats = new SqliteStatsStore(db);
const reasons = ['spam', 'malware', 'phish', 'policy', 'bulk'];
const day = 24 * 3600 * 1000;
const now = Date.now();

const insertMessage = db.prepare(
  `INSERT INTO messages (id, received_at, size, sha256, blob_key, envelope, headers, attachments, parse_problems)
   VALUES (?, ?, 100, '', ?, '{}', '{}', '[]', '[]')`,
);
const insertItem = db.prepare(
  `INSERT INTO items (id, message_id, recipient, tenant, sender, sender_domain, size, has_attachments, reason, score,
     details, status, received_at, updated_at, version)
   VALUES (?, ?, ?, ?, ?, ?, 100, 0, ?, 5, '{}', ?, ?, ?, 1)`,
);
const fold = new StatsFold(db);
const started = performance.now();
const batch = db.transaction((from, to) => {
  for (let index = from; index < to; index += 1) {
    const id = `M${String(index).padStart(25, '0')}`;
    const at = new Date(now - (index % 40) * day - (index % 86_400) * 1000).toISOString();
    const tenant = `t${index % 50}.test`;
    // Spam senders are mostly unique: the worst case for top senders.
    const sender = index % 10 === 0 ? `bulk${index % 20}@spam.test` : `s${index}@x${index % 1000}.test`;
    insertMessage.run(id, at, id);
    insertItem.run(
      `I${id.slice(1)}`,
      id,
      `u${index % 5000}@${tenant}`,
      tenant,
      sender,
      sender.split('@')[1],
      reasons[index % 5],
      index % 7 === 0 ? 'released' : 'quarantined',
      at,
      at,
    );
  }
  // The dashboard counters, as the item store's own writes keep them.
  fold.run();
});
for (let from = 0; from < total; from += 50_000) batch(from, Math.min(total, from + 50_000));
const seeded = performance.now();
console.log(`seeded ${total} items in ${((seeded - started) / 1000).toFixed(1)} s`);

const request = {
  fromDay: new Date(now - 29 * day).toISOString().slice(0, 10),
  toDay: new Date(now).toISOString().slice(0, 10),
  top: 10,
};
const time = async (label, scope) => {
  const runs = [];
  for (let run = 0; run < 5; run += 1) {
    const start = performance.now();
    await stats.stats(scope, request);
    runs.push(performance.now() - start);
  }
  runs.sort((a, b) => a - b);
  console.log(`${label.padEnd(34)} median ${runs[2].toFixed(1)} ms, max ${runs[4].toFixed(1)} ms`);
};
await time('admin (all tenants)', {});
await time('domain admin (1 tenant)', { tenantIn: ['t1.test'] });
await time('domain admin (3 tenants)', { tenantIn: ['t1.test', 't2.test', 't3.test'] });
await time('user (1 address)', { recipientIn: ['u1@t1.test'] });
db.close();
rmSync(dir, { recursive: true, force: true });
