import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { systemActor } from '../../src/auth/actor.js';
import { loadConfig } from '../../src/config/load-config.js';
import { BulkEngine, pagesOf } from '../../src/release/bulk/bulk-engine.js';
import { releaseItem } from '../../src/release/release-item.js';
import { SmtpRelay } from '../../src/release/smtp-relay.js';
import { buildContext } from '../../src/server.js';
import type { ItemStore } from '../../src/store/item-store.js';
import { openStores } from '../../src/store/open-stores.js';
import type { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
// The same recording SMTP server the tests deliver to, here answering after a chosen delay.
import { Downstream } from '../../test/support/downstream.js';
import { batchesOf50, originalDelete, type PerItem, sequentialLoop } from '../lib/baselines.js';
import { withLatency } from '../lib/latency-store.js';
import type { CaseResult, Row } from '../lib/report.js';
import { Rng, seedBatches } from '../lib/seed.js';

export interface BulkOptions {
  /** Items per run; each run gets fresh items. */
  items: number;
  /** Round trip added to every store call in the "remote store" rows (as to DynamoDB). */
  storeLatencyMs: number;
  /** Whether to run the sequential loop too (slow: one item at a time). */
  sequential: boolean;
}

const admin = systemActor('bench');

/**
 * Bulk delete and release: the two algorithms of the original system (a sequential loop; batches of
 * 50 under Promise.allSettled, one after another) against Lazaret's sliding-window engine, on the
 * same embedded store and the same SMTP downstream.
 */
export async function runBulk(options: BulkOptions): Promise<CaseResult> {
  const dir = await mkdtemp(join(tmpdir(), 'lazaret-bench-bulk-'));
  const random = new Rng(7);
  // A mail server that usually answers at once, sometimes after 40 ms: the slow tail that lock-step
  // batches wait for.
  const downstream = await new Downstream({ dataDelayMs: 0 }).start();
  const slowDownstream = await new Downstream({ dataDelayMs: 40 }).start();
  const config = loadConfig({
    env: {
      LAZARET_DATA_DIR: dir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_RELAY_MAX_CONNECTIONS: '16',
      LAZARET_LOG_LEVEL: 'silent',
    },
  });
  const stores = await openStores(config);
  const relays: SmtpRelay[] = [];
  const rows: Row[] = [];

  /** Fresh items: one recipient per message, so every release is its own SMTP transaction. */
  async function seed(count: number, withBlobs: boolean): Promise<string[]> {
    const ids: string[] = [];
    const shape = {
      messages: count,
      recipientsPerMessage: 1,
      users: 1000,
      domains: 10,
      senders: 100,
      days: 30,
      end: new Date(),
    };
    for (const batch of seedBatches(shape, 1000)) {
      await (stores.items as SqliteItemStore).putMessages(batch);
      if (withBlobs) {
        await Promise.all(
          batch.map(({ message }) =>
            stores.blobs.put(message.blobKey, Buffer.from(`Subject: bench ${message.id}\r\n\r\nbody\r\n`)),
          ),
        );
      }
      for (const { items } of batch) ids.push(...items.map((item) => item.id));
    }
    return ids;
  }

  function context(items: ItemStore) {
    // Every other message is answered slowly: half of the relay connections go to the slow server.
    const relay = new SmtpRelay(config.relay);
    const slowRelay = new SmtpRelay({ ...config.relay, port: slowDownstream.port });
    relays.push(relay, slowRelay);
    const ctx = buildContext(config, pino({ level: 'silent' }), { ...stores, items }, relay);
    ctx.relay = {
      deliver: (request) => (random.int(10) === 0 ? slowRelay : relay).deliver(request),
    } as SmtpRelay;
    return ctx;
  }

  async function measure(
    name: string,
    action: string,
    store: string,
    count: number,
    run: () => Promise<number>,
  ) {
    const started = process.hrtime.bigint();
    const ok = await run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rows.push({ algorithm: name, action, store, items: count, ok, seconds, 'items/s': count / seconds });
  }

  const engine = async (items: ItemStore, action: 'release' | 'delete', ids: string[]) => {
    let ok = 0;
    await new BulkEngine(context(items)).run({
      action,
      actor: admin,
      force: false,
      recipients: null,
      leaseOwner: 'bench',
      pages: pagesOf(ids),
      onOutcome: (outcome) => {
        if (outcome.code === 'ok') ok += 1;
      },
    });
    return ok;
  };
  const baseline = async (loop: typeof batchesOf50, act: PerItem, ids: string[]) =>
    (await loop(ids, act)).results.length;
  const now = () => new Date().toISOString();

  try {
    for (const latency of [0, options.storeLatencyMs]) {
      const items = withLatency(stores.items, latency);
      const label = latency === 0 ? 'SQLite' : `SQLite + ${latency} ms per call`;
      if (options.sequential && latency === 0) {
        const ids = await seed(options.items, false);
        await measure('sequential loop (original, before)', 'delete', label, ids.length, () =>
          baseline(sequentialLoop, originalDelete(items, now), ids),
        );
      }
      const forBatches = await seed(options.items, false);
      await measure('batches of 50 (original, after)', 'delete', label, forBatches.length, () =>
        baseline(batchesOf50, originalDelete(items, now), forBatches),
      );
      const forEngine = await seed(options.items, false);
      await measure('Lazaret sliding window', 'delete', label, forEngine.length, () =>
        engine(items, 'delete', forEngine),
      );
    }
    const releaseCount = Math.max(50, Math.floor(options.items / 2));
    const forBatches = await seed(releaseCount, true);
    const batchContext = context(stores.items);
    await measure('batches of 50 (original, after)', 'release', 'SQLite', forBatches.length, () =>
      baseline(
        batchesOf50,
        async (id) => {
          await releaseItem(batchContext, id, admin);
        },
        forBatches,
      ),
    );
    const forEngine = await seed(releaseCount, true);
    await measure('Lazaret sliding window', 'release', 'SQLite', forEngine.length, () =>
      engine(stores.items, 'release', forEngine),
    );
  } finally {
    for (const relay of relays) relay.close();
    await downstream.stop();
    await slowDownstream.stop();
    await stores.close();
    await rm(dir, { recursive: true, force: true });
  }
  return {
    case: 'bulk',
    title: `Bulk delete and release: the original algorithms against Lazaret's engine (${options.items.toLocaleString('en-US')} items a run)`,
    notes: [
      'Each row works on fresh items of the same embedded store. Delete: the original per-item step (get, then update) in the original orders; Lazaret: the bulk engine (batched reads, coalesced conditional writes, sliding window). Release: every item its own message; one in ten answered by a mail server that waits 40 ms; 16 relay connections; the batches of 50 run the single-item release.',
    ],
    rows,
  };
}
