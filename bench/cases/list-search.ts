import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ItemFilter, ItemStore } from '../../src/store/item-store.js';
import { openPostgresStores } from '../../src/store/postgres/open-postgres-stores.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { POSTGRES_TEST_PASSWORD, POSTGRES_TEST_USER, startPostgres } from '../../test/support/kit.js';
import { type CaseResult, percentile, type Row } from '../lib/report.js';
import { listingShape, recipientName, seedBatches, senderName } from '../lib/seed.js';

export interface ListSearchOptions {
  items: number;
  samples: number;
  /** The embedded store (default), or a private PostgreSQL server on loopback. */
  store?: 'sqlite' | 'postgres';
}

/** What the case needs of a store: bulk loading, fresh planner statistics, listing. */
interface ListedStore {
  items: Pick<ItemStore, 'listItems'> & Pick<SqliteItemStore, 'putMessages'>;
  refreshStatistics(): Promise<void>;
  close(): Promise<void>;
}

async function openListedStore(kind: 'sqlite' | 'postgres', dir: string): Promise<ListedStore> {
  if (kind === 'sqlite') {
    const items = new SqliteItemStore({ path: join(dir, 'bench.sqlite') });
    return {
      items,
      refreshStatistics: async () => items.refreshStatistics(),
      close: () => items.close(),
    };
  }
  const cluster = await startPostgres();
  await cluster.createDatabase('bench');
  const stores = await openPostgresStores({
    url: `postgres://${POSTGRES_TEST_USER}@127.0.0.1:${cluster.port}/bench`,
    password: POSTGRES_TEST_PASSWORD,
    poolSize: 4,
    statementTimeoutMs: 0,
  });
  return {
    items: stores.items,
    refreshStatistics: async () => {
      await stores.pool.query('VACUUM ANALYZE');
    },
    close: async () => {
      await stores.close();
      await cluster.stop();
    },
  };
}

async function timeQuery(
  store: ListedStore['items'],
  filter: ItemFilter,
  cursor: string | undefined,
  samples: number,
): Promise<{ p50: number; p95: number; p99: number; rows: number }> {
  const times: number[] = [];
  let rows = 0;
  for (let run = 0; run < samples; run += 1) {
    const started = process.hrtime.bigint();
    const page = await store.listItems(filter, { limit: 50, cursor });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    rows = page.items.length;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), rows };
}

/**
 * A cursor into the middle of the result set, at most 10,000 items in (found by paging once; setup,
 * not timed), so that "deep" pages are measured for every query that has more than one page.
 */
async function deepCursor(
  store: ListedStore['items'],
  filter: ItemFilter,
  maxDepth: number,
): Promise<string | undefined> {
  const positions: { seen: number; cursor: string }[] = [];
  let cursor: string | undefined;
  let seen = 0;
  while (seen < 2 * maxDepth) {
    const page = await store.listItems(filter, { limit: 50, cursor });
    seen += page.items.length;
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
    positions.push({ seen, cursor });
  }
  const target = Math.min(maxDepth, Math.floor(seen / 2));
  return positions.filter((position) => position.seen <= target).at(-1)?.cursor;
}

export async function runListSearch(options: ListSearchOptions): Promise<CaseResult> {
  const dir = await mkdtemp(join(tmpdir(), 'lazaret-bench-list-'));
  const kind = options.store ?? 'sqlite';
  const opened = await openListedStore(kind, dir);
  const store = opened.items;
  const shape = listingShape(options.items);
  const seedStarted = Date.now();
  for (const batch of seedBatches(shape, 5000)) await store.putMessages(batch);
  await opened.refreshStatistics();
  const seedSeconds = (Date.now() - seedStarted) / 1000;

  const week = { receivedAfter: '2026-10-01T00:00:00.000Z', receivedBefore: '2026-10-08T00:00:00.000Z' };
  const queries: [string, ItemFilter][] = [
    ['no filter', {}],
    ['by recipient', { recipient: recipientName(7, shape.domains) }],
    ['by sender', { sender: senderName(11) }],
    ['by sender domain', { sender: 'sdom11.example' }],
    ['reason + date range', { reasons: ['phish'], ...week }],
    ['subject text (common word)', { subject: 'invoice' }],
    ['subject text (rare: one message)', { subject: `#${Math.floor(shape.messages / 2)}` }],
    [
      'combined: sender domain + reasons + 30 days',
      { sender: 'sdom11.example', reasons: ['spam', 'bulk'], receivedAfter: '2026-10-01T00:00:00.000Z' },
    ],
    ['combined: reason + subject text', { reasons: ['phish'], subject: 'parcel' }],
  ];
  const rows: Row[] = [];
  for (const [name, filter] of queries) {
    const first = await timeQuery(store, filter, undefined, options.samples);
    const cursor = await deepCursor(store, filter, 10_000);
    const deep = cursor ? await timeQuery(store, filter, cursor, options.samples) : undefined;
    rows.push({
      query: name,
      'first p50 ms': first.p50,
      'first p95 ms': first.p95,
      'first p99 ms': first.p99,
      'deep p50 ms': deep?.p50 ?? '—',
      'deep p95 ms': deep?.p95 ?? '—',
      'deep p99 ms': deep?.p99 ?? '—',
      'rows on page': first.rows,
    });
  }
  await opened.close();
  await rm(dir, { recursive: true, force: true });
  return {
    case: kind === 'sqlite' ? 'list-search' : 'list-search-postgres',
    title: `Listing and search, ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL (local server)'}, ${options.items.toLocaleString('en-US')} items (store query, page of 50)`,
    notes: [
      `Seeded ${options.items.toLocaleString('en-US')} items in ${seedSeconds.toFixed(1)} s by the bulk loader; ${options.samples} samples per query; "deep" starts from a cursor in the middle of the results, at most 10,000 items in.`,
    ],
    rows,
  };
}
