import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApi } from './api/app.js';
import type { AppContext } from './app-context.js';
import { ensureFirstAdmin } from './auth/bootstrap.js';
import type { Config } from './config/load-config.js';
import { buildIngestDeps, buildPipeline, buildReinjection } from './ingest/ingest-setup.js';
import { type SmtpListener, startSmtpListener } from './ingest/smtp-listener.js';
import { Metrics } from './metrics.js';
import { Limiter } from './release/bulk/limiter.js';
import { JobWorker } from './release/jobs/job-worker.js';
import { LeaseSweeper } from './release/lease-sweeper.js';
import { SmtpRelay } from './release/smtp-relay.js';
import { startPurgeWorker } from './retention/purge-worker.js';
import { ListingStatsStore } from './store/listing-stats-store.js';
import { startMaintenance } from './store/maintenance-worker.js';
import { openStores, type Stores } from './store/open-stores.js';

export interface RunningServer {
  context: AppContext;
  smtpAddress: AddressInfo;
  httpAddress: AddressInfo;
  /** Stops accepting, finishes transactions and releases in flight, closes the stores. */
  close(): Promise<void>;
}

/** The context of the use cases over opened stores and a relay: shared by `serve` and the tests. */
export function buildContext(
  config: Config,
  logger: Logger,
  stores: Pick<Stores, 'items' | 'audit' | 'users' | 'blobs' | 'jobs'> & {
    throttle?: Stores['throttle'];
    stats?: Stores['stats'];
  },
  relay: SmtpRelay,
  extras: Partial<Pick<AppContext, 'metrics' | 'pipeline' | 'reinjection'>> = {},
): AppContext {
  return {
    config,
    items: stores.items,
    audit: stores.audit,
    users: stores.users,
    blobs: stores.blobs,
    // Without counters (tests that build a context over bare stores) the numbers come from listing.
    stats: stores.stats ?? new ListingStatsStore(stores.items),
    jobs: stores.jobs,
    storeThrottle: stores.throttle ?? null,
    relay,
    logger,
    now: () => new Date(),
    nodeName: config.nodeName,
    leaseMs: config.release.leaseMs,
    delivery: { attempts: config.release.attempts, retryBaseMs: config.release.retryBaseMs },
    smtpLimiter: new Limiter(config.relay.maxConnections),
    bulk: {
      window: config.bulk.window,
      storeConcurrency: config.bulk.storeConcurrency,
      storeBatchSize: config.bulk.storeBatchSize,
      storeLingerMs: config.bulk.storeLingerMs,
      throttleTries: config.bulk.throttleTries,
      throttleBackoffMs: config.bulk.throttleBackoffMs,
    },
    jobLeaseMs: config.jobs.leaseMs,
    wakeJobs: () => undefined,
    metrics: extras.metrics ?? new Metrics(),
    pipeline: extras.pipeline,
    reinjection: extras.reinjection,
  };
}

/** The composition root: the only place that picks backends and wires the parts together. */
export async function startServer(
  config: Config,
  logger: Logger,
  /** Where a generated first-admin password is shown once: the console, never the log. */
  announce: (text: string) => void = (text) => process.stderr.write(`${text}\n`),
): Promise<RunningServer> {
  const stores = await openStores(config, { logger });
  const relay = new SmtpRelay(config.relay);
  const metrics = new Metrics();
  const filter = config.mode === 'filter';
  const pipeline = filter ? buildPipeline(config, logger, metrics) : undefined;
  const reinjection = filter ? buildReinjection(config) : undefined;
  const context = buildContext(config, logger, stores, relay, { metrics, pipeline, reinjection });
  const worker = new JobWorker(context, { concurrency: config.jobs.concurrency, pollMs: config.jobs.pollMs });
  context.wakeJobs = () => worker.wake();
  const sweeper = new LeaseSweeper(context, config.release.sweepIntervalMs);

  let smtp: SmtpListener | undefined;
  let http: FastifyInstance | undefined;
  try {
    await ensureFirstAdmin(context, config.auth, logger, announce);
    smtp = await startSmtpListener(
      config,
      buildIngestDeps(config, context, { pipeline, forward: reinjection }),
    );
    http = await buildApi(context);
    await http.listen({ host: config.http.host, port: config.http.port });
  } catch (error) {
    await smtp?.close();
    await http?.close();
    relay.close();
    reinjection?.close();
    await stores.close();
    throw error;
  }
  sweeper.start();
  worker.start();
  const smtpAddress = smtp.address();
  const httpAddress = http.server.address() as AddressInfo;
  logger.info({ event: 'SMTP_LISTENING', host: smtpAddress.address, port: smtpAddress.port });
  logger.info({ event: 'HTTP_LISTENING', host: httpAddress.address, port: httpAddress.port });
  logger.info({ event: 'JOB_WORKER_STARTED', owner: worker.owner });
  logger.info({
    event: 'MODE',
    mode: config.mode,
    ...(pipeline ? { scanners: pipeline.scanners.map((scanner) => scanner.name) } : {}),
  });
  const purge = startPurgeWorker(context, {
    intervalSeconds: config.retention.purgeIntervalSeconds,
    batchSize: config.retention.batchSize,
  });

  const maintenance = startMaintenance(stores.maintenance, logger, context.now);
  const listeners = { smtp, http };
  return {
    context,
    smtpAddress,
    httpAddress,
    async close() {
      await Promise.all([
        listeners.smtp.close(),
        listeners.http.close(),
        worker.stop(),
        sweeper.stop(),
        purge.stop(),
        maintenance.stop(),
      ]);
      relay.close();
      reinjection?.close();
      await stores.close();
      logger.info({ event: 'SHUTDOWN_COMPLETE' });
    },
  };
}
