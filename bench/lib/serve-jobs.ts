import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { loadConfig } from '../../src/config/load-config.js';
import { openStores } from '../../src/store/open-stores.js';
import type { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import type { Remote } from '../../src/store/sqlite/sqlite-thread-client.js';
import { ServeProcess, tokenFor } from '../../test/support/kit.js';
import { listingShape, type SeedOrder, type SeedShape, seedBatches, seedQuarantine } from './seed.js';

const ADMIN = { LAZARET_ADMIN_EMAIL: 'bench@lazaret.test', LAZARET_ADMIN_PASSWORD: 'bench-admin-password' };

/** A data folder seeded with `count` quarantined messages (one recipient each) of about `blobBytes`. */
export async function seededDataDir(count: number, blobBytes: number, order?: SeedOrder): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lazaret-bench-serve-'));
  const stores = await openStores(loadConfig({ env: { LAZARET_DATA_DIR: dataDir } }));
  try {
    await seedQuarantine(stores, count, { blobBytes, ...(order ? { order } : {}) });
  } finally {
    await stores.close();
  }
  return dataDir;
}

/**
 * A data folder holding the listing benchmarks' quarantine of `items` items (`listingShape`: no raw
 * messages), put in by the SQLite bulk loader, with fresh planner statistics.
 */
export async function seededListingDir(
  items: number,
): Promise<{ dataDir: string; shape: SeedShape; seedSeconds: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lazaret-bench-listing-'));
  const shape = listingShape(items);
  const started = Date.now();
  const stores = await openStores(loadConfig({ env: { LAZARET_DATA_DIR: dataDir } }));
  try {
    // The embedded items store, through the store thread: its bulk-loading methods besides ItemStore's.
    const store = stores.items as Remote<SqliteItemStore>;
    for (const batch of seedBatches(shape, 5000)) await store.putMessages(batch);
    await store.refreshStatistics();
  } finally {
    await stores.close();
  }
  return { dataDir, shape, seedSeconds: (Date.now() - started) / 1000 };
}

/** Items in the SQLite store of a data folder (read after its `serve` child has stopped). */
export function storedItemCount(dataDir: string): number {
  const db = new BetterSqlite3(join(dataDir, 'lazaret.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** The settings that make a `serve` child relay released mail to a plain SMTP server on loopback. */
export function relayEnv(port: number, connections?: number): Record<string, string> {
  return {
    LAZARET_RELAY_HOST: '127.0.0.1',
    LAZARET_RELAY_PORT: String(port),
    LAZARET_RELAY_TLS: 'none',
    ...(connections === undefined ? {} : { LAZARET_RELAY_MAX_CONNECTIONS: String(connections) }),
  };
}

/** `lazaret serve` (built code, as in production) over `dataDir`, with an admin and an API token. */
export async function startServe(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ serve: ServeProcess; token: string }> {
  // LAZARET_* settings of the benchmark's own environment reach the child (tuning experiments).
  const tuning = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[0].startsWith('LAZARET_') && entry[1] !== undefined,
    ),
  );
  const serve = await new ServeProcess({ ...tuning, LAZARET_DATA_DIR: dataDir, ...ADMIN, ...env }).start();
  const token = await tokenFor(() => serve.baseUrl, ADMIN.LAZARET_ADMIN_EMAIL, ADMIN.LAZARET_ADMIN_PASSWORD);
  return { serve, token };
}

/**
 * Starts a job over every quarantined item through the API and waits for its JOB_FINISHED log line;
 * answers the seconds from the request to that line. Fails unless all `expected` items ended ok.
 */
export async function runJob(
  serve: ServeProcess,
  token: string,
  action: 'release' | 'delete',
  expected: number,
): Promise<{ seconds: number; counters: Record<string, number> }> {
  const started = process.hrtime.bigint();
  const created = await serve.api('/api/quarantine/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ action, query: 'status:quarantined' }),
  });
  if (created.status !== 202)
    throw new Error(`job creation answered ${created.status}: ${JSON.stringify(created.body)}`);
  const jobId = (created.body as { job: { id: string } }).job.id;
  const finished = await serve.waitForLog((line) => line.event === 'JOB_FINISHED' && line.jobId === jobId);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const counters = finished.counters as Record<string, number>;
  if (finished.state !== 'completed' || counters.ok !== expected) {
    throw new Error(
      `job ended ${String(finished.state)} with ${JSON.stringify(counters)}; expected ${expected} ok`,
    );
  }
  return { seconds, counters };
}

/** Peak resident set size of a process so far (VmHWM in /proc/<pid>/status), in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const found = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!found) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(found[1]) / 1024;
}
