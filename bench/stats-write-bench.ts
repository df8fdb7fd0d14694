// What the dashboard counters cost writers on SQLite: µs per inserted item and per status change,
// with the counters and, in the same run, with their triggers dropped (the floor). CPU time of this
// process (user + system, so fsync waits do not count), the lowest of the runs: on a shared machine
// that is the steadiest figure.
// Run: npx tsx bench/stats-write-bench.ts [items per run, default 10000] [runs, default 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageRecord, QuarantineItem } from '../src/core/types.js';
import { GroupCommit } from '../src/store/sqlite/group-commit.js';
import { openSqliteDatabase } from '../src/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../src/store/sqlite/sqlite-item-store.js';
import { SqliteStatsStore } from '../src/store/sqlite/sqlite-stats-store.js';

const total = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 3);
const BATCH = 500;
const reasons = ['spam', 'bulk', 'phish', 'malware', 'policy'] as const;

type Shape = 'grouped' | 'unique';

/** grouped: like the delete-100k seed (97 senders, 50 recipients, one tenant); unique: a new sender per item. */
function entry(shape: Shape, index: number): { message: MessageRecord; items: QuarantineItem[] } {
  const id = `M${String(index).padStart(25, '0')}`;
  const at = new Date(Date.UTC(2026, 10, 20) - index * 10_000).toISOString();
  const tenant = shape === 'grouped' ? 'corp.test' : `t${index % 50}.test`;
  const sender =
    shape === 'grouped' ? `sender${index % 97}@bulk${index % 7}.test` : `s${index}@x${index % 1000}.test`;
  const recipient = shape === 'grouped' ? `user${index % 50}@${tenant}` : `u${index % 5000}@${tenant}`;
  const message: MessageRecord = {
    id,
    receivedAt: at,
    size: 1000,
    sha256: '',
    blobKey: id,
    envelope: { mailFrom: sender, rcptTo: [recipient] },
    headers: {},
    attachments: [],
    parseProblems: [],
  };
  const item: QuarantineItem = {
    id: `I${id.slice(1)}`,
    messageId: id,
    recipient,
    tenant,
    sender,
    subject: `Message ${index}`,
    size: 1000,
    hasAttachments: false,
    reason: reasons[index % reasons.length]!,
    score: 5,
    details: {},
    status: 'quarantined',
    receivedAt: at,
    updatedAt: at,
    expiresAt: null,
    release: null,
    lastError: null,
    lease: null,
    version: 1,
  };
  return { message, items: [item] };
}

async function once(shape: Shape, counters: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'lazaret-stats-write-'));
  const db = openSqliteDatabase(join(dir, 'lazaret.sqlite'));
  try {
    const commits = new GroupCommit(db);
    const items = new SqliteItemStore({ db, commits });
    const stats = new SqliteStatsStore(db);
    if (!counters) db.exec('DROP TRIGGER stats_item_insert; DROP TRIGGER stats_item_status;');
    const entries = Array.from({ length: total }, (_, index) => entry(shape, index));
    let started = process.cpuUsage();
    const perItem = () => {
      const used = process.cpuUsage(started);
      return (used.user + used.system) / total;
    };
    for (let from = 0; from < total; from += BATCH)
      await items.putMessages(entries.slice(from, from + BATCH));
    const insert = perItem();
    const ids = entries.map((each) => each.items[0]!.id);
    // Status changes as the bulk engine makes them: 500 transitions in one group commit.
    started = process.cpuUsage();
    for (let from = 0; from < total; from += BATCH) {
      await items.transitionMany(
        ids.slice(from, from + BATCH).map((id) => ({
          id,
          expected: { status: ['quarantined'] },
          change: { status: 'releasing', at: '2026-11-21T10:00:00.000Z' },
        })),
      );
    }
    const transition = perItem();
    // The same as bare UPDATE statements by id (no row decoding), the figure of issue 7.
    const update = db.prepare(
      "UPDATE items SET status = 'deleted', updated_at = ?, version = version + 1 WHERE id = ? AND status = 'releasing'",
    );
    started = process.cpuUsage();
    for (let from = 0; from < total; from += BATCH) {
      const chunk = ids.slice(from, from + BATCH);
      await commits.run(() => {
        for (const id of chunk) update.run('2026-11-22T10:00:00.000Z', id);
      });
    }
    const rawUpdate = perItem();
    const check = await stats.stats({}, { fromDay: '2026-01-01', toDay: '2026-12-31', top: 10 });
    if (counters && check.statuses.deleted !== total)
      throw new Error(`counters wrong: ${JSON.stringify(check.statuses)}`);
    return { insert, transition, rawUpdate };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const lowest = (values: number[]) => Math.min(...values);

console.log(
  `${total} items per run, ${runs} runs, batches of ${BATCH}; lowest CPU µs per item (WAL, synchronous=FULL)`,
);
console.log('shape     counters  insert  transition  raw update');
for (const shape of ['grouped', 'unique'] as const) {
  for (const counters of [false, true]) {
    const results = [];
    for (let run = 0; run < runs; run += 1) results.push(await once(shape, counters));
    const row = [
      shape.padEnd(9),
      (counters ? 'on' : 'off').padEnd(8),
      lowest(results.map((r) => r.insert))
        .toFixed(1)
        .padStart(7),
      lowest(results.map((r) => r.transition))
        .toFixed(1)
        .padStart(11),
      lowest(results.map((r) => r.rawUpdate))
        .toFixed(1)
        .padStart(11),
    ];
    console.log(row.join(' '));
  }
}
