import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canTransition } from '../../src/core/item-status.js';
import type { ItemStatus, QuarantineItem, Reason } from '../../src/core/types.js';
import type { TransitionRequest } from '../../src/store/item-store.js';
import { GroupCommit } from '../../src/store/sqlite/group-commit.js';
import { ITEM_MIGRATIONS } from '../../src/store/sqlite/schema.js';
import { migrate, openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { SqliteStatsStore } from '../../src/store/sqlite/sqlite-stats-store.js';
import { STATS_MIGRATIONS } from '../../src/store/sqlite/stats-schema.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { insertUnfolded } from '../support/seed-items.js';
import { ChangeLedger, readCounters, recountFromItems } from '../support/stats-recount.js';

const STATUSES: ItemStatus[] = [
  'quarantined',
  'release_requested',
  'releasing',
  'released',
  'deleted',
  'expired',
];
const REASONS: Reason[] = ['spam', 'malware', 'phish'];
const TENANTS = ['one.test', 'two.test', 'three.test'];
const WINDOW = { fromDay: '2026-11-01', toDay: '2026-11-30', top: 10 };

/** A small deterministic generator, so that a failure can be replayed. */
function generator(seed: number) {
  let state = seed;
  return (below: number) => {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * below);
  };
}

describe('SQLite stats counters under mixed writes', () => {
  let dir: string;
  let db: Database;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-stats-counters-'));
    db = openSqliteDatabase(join(dir, 'lazaret.sqlite'));
  });
  afterEach(async () => {
    if (db.open) db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const expectExact = (ledger?: ChangeLedger) => {
    expect(readCounters(db)).toEqual(recountFromItems(db));
    if (ledger) expect(ChangeLedger.counted(db)).toEqual(ledger.expected());
    expect(db.prepare('SELECT count(*) FROM stats_pending').pluck().get()).toBe(0);
  };

  it('match a recount from the items after inserts, failed writes, transitions, deletes and expiry', async () => {
    const commits = new GroupCommit(db);
    const items = new SqliteItemStore({ db, commits });
    // Shares the batches of `items`, and fails every putMessage after writing its first item.
    const failing = new SqliteItemStore({
      db,
      commits,
      afterItemWrite: () => {
        throw new Error('disk full');
      },
    });
    new SqliteStatsStore(db);
    const random = generator(7);
    const ledger = new ChangeLedger();
    const model = new Map<string, QuarantineItem>();
    const hold = (index: number) => {
      const recipients = [
        ...new Set(
          Array.from({ length: 1 + random(3) }, () => `u${random(4)}@${TENANTS[random(TENANTS.length)]}`),
        ),
      ];
      const message = buildMessage({
        receivedAt: `2026-11-0${1 + (index % 3)}T0${random(10)}:00:00.000Z`,
        envelope: { mailFrom: `s${random(6)}@bad${random(2)}.test`, rcptTo: recipients },
      });
      return { message, items: buildItems(message, undefined, { reason: REASONS[random(REASONS.length)]! }) };
    };
    const keep = (entries: ReturnType<typeof hold>[]) => {
      for (const entry of entries) for (const item of entry.items) model.set(item.id, item);
    };

    // New messages: one group commit with a failing write among them, and a bulk load.
    const batched = Array.from({ length: 30 }, (_, index) => hold(index));
    const doomed = [hold(30), hold(31)];
    const outcomes = await Promise.allSettled([
      ...batched.map((entry) => items.putMessage(entry.message, entry.items)),
      ...doomed.map((entry) => failing.putMessage(entry.message, entry.items)),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(2);
    keep(batched);
    const loaded = Array.from({ length: 30 }, (_, index) => hold(index));
    await items.putMessages(loaded);
    keep(loaded);
    expectExact(ledger);

    for (let round = 0; round < 6; round += 1) {
      const at = `2026-11-1${round}T12:00:00.000Z`;
      const ids = [...model.keys()];
      const requests: TransitionRequest[] = [];
      for (let pick = 0; pick < 40; pick += 1) {
        const item = model.get(ids[random(ids.length)]!)!;
        const targets = STATUSES.filter((status) => canTransition(item.status, status));
        if (targets.length === 0) continue;
        // One in five expects a status the item is not in, and so changes nothing.
        const expected =
          random(5) === 0 ? STATUSES.filter((status) => status !== item.status) : [item.status];
        requests.push({
          id: item.id,
          expected: { status: expected },
          change: { status: targets[random(targets.length)]!, at },
        });
      }
      const note = (result: Awaited<ReturnType<typeof items.transition>>) => {
        if (!result.ok) return;
        ledger.note({
          at,
          tenant: result.item.tenant,
          reason: result.item.reason,
          status: result.item.status,
        });
        model.set(result.item.id, result.item);
      };
      // Some alone (each its own transaction, as retention's expiry), the rest in batches that share commits.
      const alone = requests.filter((_, index) => index % 4 === 0);
      const grouped = requests.filter((_, index) => index % 4 !== 0);
      const settled = await Promise.all([
        ...[0, 1, 2].map((part) => items.transitionMany(grouped.filter((_, index) => index % 3 === part))),
      ]);
      for (const results of settled) results.forEach(note);
      for (const request of alone) note(await items.transition(request.id, request.expected, request.change));
      expectExact(ledger);
    }
    expect(ChangeLedger.counted(db).length).toBeGreaterThan(5);
  });

  it('leave the counters as they were when a batch fails at its commit', async () => {
    const commits = new GroupCommit(db);
    const items = new SqliteItemStore({ db, commits });
    const message = buildMessage({
      envelope: { mailFrom: 'a@bad.test', rcptTo: ['x@one.test', 'y@two.test'] },
    });
    const held = buildItems(message);
    await items.putMessage(message, held);
    const before = readCounters(db);
    let fail = true;
    // After the item store's own hook, so the counters have been updated when the batch fails.
    commits.beforeCommit(() => {
      if (fail) throw new Error('commit refused');
    });
    const other = buildMessage({ envelope: { mailFrom: 'b@bad.test', rcptTo: ['x@one.test'] } });
    await expect(
      Promise.all([
        items.putMessage(other, buildItems(other)),
        items.transitionMany([
          {
            id: held[0]!.id,
            expected: { status: ['quarantined'] },
            change: { status: 'deleted', at: '2026-11-02T00:00:00.000Z' },
          },
        ]),
      ]),
    ).rejects.toThrow('commit refused');
    expect(readCounters(db)).toEqual(before);
    expectExact();
    fail = false;
    await items.transitionMany([
      {
        id: held[0]!.id,
        expected: { status: ['quarantined'] },
        change: { status: 'deleted', at: '2026-11-02T00:00:00.000Z' },
      },
    ]);
    expectExact();
  });

  it('count what a writer committed without folding (a direct loader) before the next read', async () => {
    new SqliteItemStore({ db });
    const stats = new SqliteStatsStore(db);
    const loader = openSqliteDatabase(join(dir, 'lazaret.sqlite'));
    try {
      insertUnfolded(
        loader,
        [
          { id: 'i1', recipient: 'x@one.test', sender: 'a@bad.test' },
          { id: 'i2', recipient: 'y@one.test', sender: 'a@bad.test' },
        ],
        [['i2', 'deleted']],
      );
    } finally {
      loader.close();
    }
    expect(db.prepare('SELECT count(*) FROM stats_pending').pluck().get()).toBe(3);
    const answer = await stats.stats({}, WINDOW);
    expect(answer.statuses).toEqual({ quarantined: 1, deleted: 1 });
    expect(answer.topSenders).toEqual([{ address: 'a@bad.test', count: 1 }]);
    expect(answer.days.map((day) => [day.day, day.held, day.deleted])).toEqual([
      ['2026-11-03', { spam: 2 }, 0],
      ['2026-11-04', {}, 1],
    ]);
    expectExact();
  });

  it('keep the values of a database whose counters the former triggers kept, and stay exact after', async () => {
    // A database as the release before the change left it: step 1 of the stats schema only.
    migrate(db, ITEM_MIGRATIONS);
    migrate(db, { name: STATS_MIGRATIONS.name, steps: STATS_MIGRATIONS.steps.slice(0, 1) });
    insertUnfolded(
      db,
      [
        { id: 'i1', recipient: 'x@one.test', sender: 'a@bad.test' },
        { id: 'i2', recipient: 'y@two.test', sender: 'a@bad.test', reason: 'phish' },
        { id: 'i3', recipient: 'y@two.test', sender: 'b@bad.test' },
      ],
      [['i2', 'deleted']],
    );
    // A counter the items cannot explain (e.g. items removed since): an upgrade must keep it as it is.
    db.exec(`UPDATE stats_daily SET held = held + 5 WHERE tenant = 'one.test'`);
    const tables = () => ({
      daily: db.prepare('SELECT * FROM stats_daily ORDER BY 1, 2, 3').all(),
      status: db.prepare('SELECT * FROM stats_status ORDER BY 1, 2').all(),
      parties: db.prepare('SELECT * FROM stats_parties ORDER BY 1, 2, 3').all(),
    });
    const before = tables();
    expect(before.daily).toHaveLength(4);

    const items = new SqliteItemStore({ db });
    new SqliteStatsStore(db);
    expect(tables()).toEqual(before);
    await items.transition(
      'i1',
      { status: ['quarantined'] },
      { status: 'deleted', at: '2026-11-05T00:00:00.000Z' },
    );
    await items.transition(
      'i3',
      { status: ['quarantined'] },
      { status: 'releasing', at: '2026-11-05T00:00:00.000Z' },
    );
    const { statuses, parties } = readCounters(db);
    const recount = recountFromItems(db);
    expect({ statuses, parties }).toEqual({ statuses: recount.statuses, parties: recount.parties });
    expect(db.prepare('SELECT sum(held), sum(deleted) FROM stats_daily').raw().get()).toEqual([8, 2]);
  });
});
