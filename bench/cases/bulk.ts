import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { pagesOf } from '../../src/actions/bulk/bulk-engine.js';
import { releaseItem } from '../../src/actions/release/release-item.js';
import { loadConfig } from '../../src/config/load-config.js';
import { systemActor } from '../../src/core/actor.js';
import { SmtpRelay } from '../../src/relay/smtp-relay.js';
import { buildContext } from '../../src/server.js';
import type { ItemStore } from '../../src/store/item-store.js';
import { openStores, type Stores } from '../../src/store/open-stores.js';
// Downstream (the tests' recording SMTP server) is the sink when Postfix's smtp-sink is missing.
import {
  Downstream,
  EMULATOR_CREDENTIALS,
  freshTable,
  POSTGRES_TEST_PASSWORD,
  POSTGRES_TEST_USER,
  startEmulators,
  startPostgres,
} from '../../test/support/kit.js';
import { batchesOf50, originalDelete, type PerItem, sequentialLoop } from '../lib/baselines.js';
import { withLatency } from '../lib/latency-store.js';
import { freePort, hasPostfixTools, startSmtpSink, stopProcess } from '../lib/postfix-tools.js';
import type { CaseResult, Row } from '../lib/report.js';
import { seedQuarantine } from '../lib/seed.js';

export type BulkStore = 'sqlite' | 'dynamodb' | 'postgres';
export type BulkAction = 'delete' | 'release';

export interface BulkOptions {
  sizes: number[];
  /** Round trip added to every store call (withLatency), standing in for the network to DynamoDB. */
  latenciesMs: number[];
  stores: BulkStore[];
  actions: BulkAction[];
  /**
   * The sequential loop does one item at a time, so at 10,000 items and 20 ms it would take minutes:
   * it runs on the first `sequentialCap` items of a run (when latency > 0) and its rate is reported.
   */
  sequentialCap: number;
  /** Extra LAZARET_* settings (e.g. LAZARET_BULK_WINDOW) to try the engine with other tuning. */
  env?: Record<string, string>;
}

const admin = systemActor('bench');
const STORE_LABEL: Record<BulkStore, string> = {
  sqlite: 'SQLite',
  dynamodb: 'DynamoDB (dynalite)',
  postgres: 'PostgreSQL (local server)',
};

/**
 * Bulk delete and release to a sink: the original system's two algorithms (a sequential loop;
 * batches of 50 under Promise.allSettled, get then update per item) against Lazaret's bulk engine,
 * over the same store, at several sizes and injected store latencies, on SQLite, DynamoDB and PostgreSQL.
 */
export async function runBulk(
  defaults: BulkOptions,
  narrowed: Partial<Pick<BulkOptions, 'sizes' | 'latenciesMs' | 'stores' | 'actions'>> = {},
): Promise<CaseResult> {
  const options: BulkOptions = { ...defaults };
  for (const [key, value] of Object.entries(narrowed)) {
    if (value !== undefined) Object.assign(options, { [key]: value });
  }
  const dir = await mkdtemp(join(tmpdir(), 'lazaret-bench-bulk-'));
  const postfix = hasPostfixTools();
  let sinkPort: number;
  let stopSink: () => Promise<void>;
  if (postfix) {
    sinkPort = await freePort();
    const sink = await startSmtpSink(sinkPort);
    stopSink = () => stopProcess(sink);
  } else {
    const downstream = await new Downstream({ dataDelayMs: 0 }).start();
    sinkPort = downstream.port;
    stopSink = () => downstream.stop();
  }
  const rows: Row[] = [];
  const relays: SmtpRelay[] = [];
  // The AWS SDK takes credentials from the environment; dynalite accepts any.
  process.env.AWS_ACCESS_KEY_ID ??= EMULATOR_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= EMULATOR_CREDENTIALS.secretAccessKey;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const emulators = options.stores.includes('dynamodb') ? await startEmulators() : null;
  const postgres = options.stores.includes('postgres') ? await startPostgres() : null;

  const now = () => new Date().toISOString();
  const time = async (run: () => Promise<number>) => {
    const started = process.hrtime.bigint();
    const ok = await run();
    return { ok, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  };

  try {
    for (const backend of options.stores) {
      const env: Record<string, string> = {
        LAZARET_DATA_DIR: join(dir, backend),
        LAZARET_RELAY_HOST: '127.0.0.1',
        LAZARET_RELAY_PORT: String(sinkPort),
        LAZARET_RELAY_TLS: 'none',
        LAZARET_RELAY_MAX_CONNECTIONS: '16',
        LAZARET_LOG_LEVEL: 'silent',
        ...options.env,
      };
      if (backend === 'dynamodb' && emulators) {
        const { table } = await freshTable(emulators, 'bench');
        Object.assign(env, emulators.env(table, 'unused'), { LAZARET_BLOBS: 'fs' });
      }
      if (backend === 'postgres' && postgres) {
        await postgres.createDatabase('bench');
        Object.assign(env, {
          LAZARET_STORE: 'postgres',
          LAZARET_POSTGRES_URL: `postgres://${POSTGRES_TEST_USER}@127.0.0.1:${postgres.port}/bench`,
          LAZARET_POSTGRES_PASSWORD: POSTGRES_TEST_PASSWORD,
        });
      }
      const config = loadConfig({ env });
      const stores: Stores = await openStores(config);
      const relay = new SmtpRelay(config.relay);
      relays.push(relay);
      const context = (items: ItemStore) =>
        buildContext(config, pino({ level: 'silent' }), { ...stores, items }, relay);
      try {
        for (const action of options.actions) {
          for (const size of options.sizes) {
            for (const latency of options.latenciesMs) {
              const items = withLatency(stores.items, latency);
              const ctx = context(items);
              const act: PerItem =
                action === 'delete'
                  ? originalDelete(items, now)
                  : async (id) => {
                      const outcome = await releaseItem(ctx, id, admin);
                      if (!outcome) throw new Error('Release failed');
                    };
              const seed = (count: number) =>
                seedQuarantine(stores, count, { blobBytes: action === 'release' ? 2048 : 512 });
              const sequentialCount = Math.min(size, options.sequentialCap);

              const forSequential = await seed(sequentialCount);
              const sequential = await time(
                async () => (await sequentialLoop(forSequential, act)).results.length,
              );
              const forBatches = await seed(size);
              const batches = await time(async () => (await batchesOf50(forBatches, act)).results.length);
              const forEngine = await seed(size);
              const engine = await time(async () => {
                let ok = 0;
                await ctx.actions.engine().run({
                  action,
                  actor: admin,
                  force: false,
                  recipients: null,
                  leaseOwner: 'bench',
                  pages: pagesOf(forEngine),
                  onOutcome: (outcome) => {
                    if (outcome.code === 'ok') ok += 1;
                  },
                });
                return ok;
              });
              for (const [name, run, count] of [
                ['sequential loop', sequential, sequentialCount],
                ['batches of 50', batches, size],
                ['engine', engine, size],
              ] as const) {
                if (run.ok !== count) throw new Error(`${name} ${action}: ${run.ok} of ${count} items done`);
              }
              // Progress on standard error: the full matrix takes a while.
              process.stderr.write(
                `bulk ${backend} ${action} ${size} items ${latency} ms: sequential ${sequential.seconds.toFixed(2)} s, batches ${batches.seconds.toFixed(2)} s, engine ${engine.seconds.toFixed(2)} s\n`,
              );
              const sequentialRate = sequentialCount / sequential.seconds;
              const batchesRate = size / batches.seconds;
              const engineRate = size / engine.seconds;
              rows.push({
                store: STORE_LABEL[backend],
                action,
                items: size,
                'latency ms': latency,
                'sequential items/s': sequentialRate,
                'sequential on': sequentialCount,
                'batches of 50 items/s': batchesRate,
                'engine items/s': engineRate,
                'engine ÷ sequential': engineRate / sequentialRate,
                'engine ÷ batches': engineRate / batchesRate,
              });
            }
          }
        }
      } finally {
        await stores.close();
      }
    }
  } finally {
    for (const relay of relays) relay.close();
    await stopSink();
    await emulators?.stop();
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return {
    case: 'bulk',
    title: 'Bulk delete and release: the original algorithms against Lazaret’s engine, over the same store',
    notes: [
      'Every algorithm works on fresh, freshly seeded items of the same store. Delete: the original per-item step (get, then conditional update); every item is its own message of about 512 bytes, whose raw message the engine also removes (the originals leave it behind). Release: Lazaret’s single-item release (get, read the raw message, deliver, update) per item for the two originals, the bulk engine for Lazaret; every item is its own message of about 2 KiB, delivered over 16 relay connections to ' +
        (postfix
          ? "Postfix's smtp-sink on loopback."
          : 'an in-process SMTP server on loopback (smtp-sink missing).'),
      `"latency ms" is added before every store call (a batched call pays it once, as over the wire). The sequential loop runs on the first "sequential on" items when latency > 0 (at most ${options.sequentialCap}); its rate does not depend on the count.`,
      'DynamoDB is dynalite in the same process as the benchmark: its CPU competes with the algorithm measured.',
      'PostgreSQL is a private server on loopback (its real round trip, fsync off as in the tests), on the same cores as the benchmark; its raw messages are files.',
    ],
    rows,
  };
}
