import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ItemActions } from './actions/item-actions.js';
import { JobService } from './actions/jobs/job-service.js';
import { JobWorker } from './actions/jobs/job-worker.js';
import { LeaseSweeper } from './actions/release/lease-sweeper.js';
import { buildApi } from './api/app.js';
import { cutConnections } from './api/prompt-close.js';
import type { AppContext } from './app-context.js';
import { ensureFirstAdmin } from './auth/bootstrap.js';
import { startDirectorySyncWorker } from './auth/directory/directory-sync-worker.js';
import { directoryFromConfig } from './auth/directory/ldap-directory.js';
import { loadHandoffSecret } from './auth/handoff-secret.js';
import { OidcProviders } from './auth/oidc/oidc-providers.js';
import { SecretBox } from './auth/secrets.js';
import { loadTotpSecrets } from './auth/totp.js';
import type { Config } from './config/load-config.js';
import { Limiter } from './core/limiter.js';
import { Wakeup } from './core/wakeup.js';
import { DigestWorker } from './digest/digest-worker.js';
import { loadLinkSecrets } from './digest/link-keys.js';
import { LinkSigner } from './digest/link-token.js';
import { buildIngestDeps, buildPipeline, buildReinjection } from './ingest/ingest-setup.js';
import { MilterQuarantinePolicy, milterIngestOptions } from './ingest/milter-ingest.js';
import { RspamdHandoff, rspamdHandoffOptions } from './ingest/rspamd-handoff.js';
import { type SmtpListener, startSmtpListener } from './ingest/smtp-listener.js';
import { QueueingLearner } from './learning/learner.js';
import { LearningWorker } from './learning/learning-worker.js';
import { buildTeacher } from './learning/teachers.js';
import { Metrics } from './metrics.js';
import { type MilterServer, parseMilterListen, startMilterServer } from './milter/milter-server.js';
import { SmtpRelay } from './relay/smtp-relay.js';
import { startPurgeWorker } from './retention/purge-worker.js';
import { FreeSpace } from './store/free-space.js';
import { ListingStatsStore } from './store/listing-stats-store.js';
import { startMaintenance } from './store/maintenance-worker.js';
import { openStores, type Stores, usesDataDir } from './store/open-stores.js';

/**
 * The controller of the shutdown signal. Every release in flight listens to the signal (its SMTP
 * send, its retry wait), thousands at once in a bulk run: that is no leak, so no listener limit.
 */
function shutdownSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Whether `work` settles within `ms` (its failure counts as settled: the caller awaits it anyway). */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = work.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** How late a digest may come back through the filter and still be recognised as Lazaret's own. */
const DIGEST_SEAL_MAX_AGE_MS = 7 * 24 * 3_600_000;

export interface RunningServer {
  context: AppContext;
  /** The SMTP listener (capture and filter mode); throws in milter mode, which has none. */
  readonly smtpAddress: AddressInfo;
  /** The milter listener (milter mode): a TCP address or the socket path. */
  milterAddress?: AddressInfo | string | undefined;
  httpAddress: AddressInfo;
  /**
   * Stops accepting, finishes transactions and releases in flight, closes the stores. What is still
   * running after `shutdownTimeoutMs` is cut off (see the body).
   */
  close(): Promise<void>;
}

/** The context of the use cases over opened stores and a relay: shared by `serve` and the tests. */
export function buildContext(
  config: Config,
  logger: Logger,
  stores: Pick<Stores, 'items' | 'audit' | 'users' | 'blobs' | 'jobs' | 'lists' | 'digests' | 'learning'> & {
    throttle?: Stores['throttle'];
    stats?: Stores['stats'];
  },
  relay: SmtpRelay,
  extras: Partial<
    Pick<
      AppContext,
      'metrics' | 'pipeline' | 'reinjection' | 'links' | 'publicUrl' | 'stopping' | 'freeSpace'
    >
  > & {
    /** Wakes the learning worker when a task is queued (serve); without it, the worker polls. */
    wakeLearning?: () => void;
    /** The durable key of TOTP secrets (serve); without it and auth.totpKeyFile, one of this process. */
    totpSecrets?: SecretBox;
  } = {},
): AppContext {
  const now = () => new Date();
  const parts = {
    config,
    items: stores.items,
    audit: stores.audit,
    users: stores.users,
    lists: stores.lists,
    digests: stores.digests,
    learning: stores.learning,
    blobs: stores.blobs,
    learner: new QueueingLearner({ learning: stores.learning, logger, now, config }, extras.wakeLearning),
    // Without configured keys, a key of this process only (serve passes the durable ones).
    links:
      extras.links ??
      new LinkSigner(config.links.keys ? loadLinkSecrets(config) : [randomBytes(32).toString('base64url')]),
    publicUrl:
      extras.publicUrl ?? (() => config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`),
    // Without counters (tests that build a context over bare stores) the numbers come from listing.
    stats: stores.stats ?? new ListingStatsStore(stores.items),
    jobs: stores.jobs,
    storeThrottle: stores.throttle ?? null,
    relay,
    logger,
    now,
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
      fullDiskPauseMs: config.jobs.fullDiskPauseMs,
    },
    jobLeaseMs: config.jobs.leaseMs,
    metrics: extras.metrics ?? new Metrics(),
    pipeline: extras.pipeline,
    reinjection: extras.reinjection,
    stopping: extras.stopping ?? shutdownSignal().signal,
    freeSpace: extras.freeSpace,
  };
  const jobsWakeup = new Wakeup();
  const handoffSecret = loadHandoffSecret(config);
  return {
    ...parts,
    rspamdHandoff:
      handoffSecret === undefined
        ? undefined
        : {
            secret: handoffSecret,
            handoff: new RspamdHandoff(buildIngestDeps(config, parts), rspamdHandoffOptions(config)),
          },
    auth: {
      users: stores.users,
      audit: stores.audit,
      now,
      userRelease: config.access.userRelease,
      sessionTtlMs: config.auth.sessionTtlMs,
      directory: directoryFromConfig(config.auth.ldap),
      requireTotpForAdmins: config.auth.requireTotpForAdmins,
      // Without a configured key file, a key of this process only (serve passes the durable one).
      totpSecrets:
        extras.totpSecrets ?? (config.auth.totpKeyFile ? loadTotpSecrets(config) : SecretBox.ephemeral()),
      signInPolicy: {
        requireSso: config.auth.requireSso,
        breakGlassAdmins: config.auth.breakGlassAdmins,
        directory: config.auth.ldap.url !== undefined,
      },
    },
    oidcProviders: new OidcProviders(config.auth.oidc.providers),
    actions: new ItemActions(parts),
    jobService: new JobService({ jobs: stores.jobs, logger, now, wakeJobs: () => jobsWakeup.ring() }),
    jobsWakeup,
  };
}

/** The job worker over a context: runs jobs through the context's item actions, woken by its jobs. */
export function buildJobWorker(context: AppContext): JobWorker {
  return new JobWorker(
    { ...context, engine: (onFullDisk) => context.actions.engine(onFullDisk) },
    {
      concurrency: context.config.jobs.concurrency,
      pollMs: context.config.jobs.pollMs,
      wakeup: context.jobsWakeup,
    },
  );
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
  let listenedUrl = `http://${config.http.host}:${config.http.port}`;
  const teacher = buildTeacher(config);
  const learningWorker = teacher
    ? new LearningWorker({
        ...stores,
        logger,
        now: () => new Date(),
        nodeName: config.nodeName,
        config,
        teacher,
      })
    : undefined;
  const metrics = new Metrics();
  const filter = config.mode === 'filter';
  const pipeline =
    filter || config.mode === 'milter'
      ? buildPipeline(config, logger, metrics, { lists: stores.lists, users: stores.users })
      : undefined;
  const reinjection = filter ? buildReinjection(config) : undefined;
  const stopping = shutdownSignal();
  const freeSpace = usesDataDir(config)
    ? new FreeSpace(config.dataDir, config.store.minFreeMb * 1024 * 1024)
    : undefined;
  if (freeSpace) metrics.freeSpaceSource = () => freeSpace.available();
  const context = buildContext(config, logger, stores, relay, {
    stopping: stopping.signal,
    metrics,
    pipeline,
    reinjection,
    freeSpace,
    links: new LinkSigner(loadLinkSecrets(config)),
    totpSecrets: loadTotpSecrets(config),
    publicUrl: () => config.http.publicUrl ?? listenedUrl,
    ...(learningWorker ? { wakeLearning: () => learningWorker.wake() } : {}),
  });
  const worker = buildJobWorker(context);
  const sweeper = new LeaseSweeper(context, config.release.sweepIntervalMs);

  let smtp: SmtpListener | undefined;
  let milter: MilterServer | undefined;
  let http: FastifyInstance | undefined;
  try {
    await ensureFirstAdmin(context, config.auth, logger, announce);
    const ingestDeps = buildIngestDeps(config, context, {
      pipeline,
      forward: reinjection,
      ownDigest: (seals, recipients) =>
        recipients.length > 0 &&
        recipients.every((recipient) =>
          seals.some((seal) =>
            context.links.verifySeal(seal, recipient, context.now(), DIGEST_SEAL_MAX_AGE_MS),
          ),
        ),
    });
    if (config.mode === 'milter') {
      milter = await startMilterServer(parseMilterListen(config.milter.listen), {
        policy: new MilterQuarantinePolicy(ingestDeps, milterIngestOptions(config)),
        logger,
      });
    } else {
      smtp = await startSmtpListener(config, ingestDeps);
    }
    http = await buildApi(context);
    await http.listen({ host: config.http.host, port: config.http.port });
  } catch (error) {
    await smtp?.close();
    await milter?.close();
    await http?.close();
    relay.close();
    reinjection?.close();
    await stores.close();
    throw error;
  }
  sweeper.start();
  worker.start();
  const smtpAddress = smtp?.address();
  const milterAddress = milter?.address();
  const httpAddress = http.server.address() as AddressInfo;
  const scheme = config.http.tlsCert ? 'https' : 'http';
  const host = httpAddress.family === 'IPv6' ? `[${httpAddress.address}]` : httpAddress.address;
  listenedUrl = `${scheme}://${host}:${httpAddress.port}`;
  if (smtpAddress)
    logger.info({ event: 'SMTP_LISTENING', host: smtpAddress.address, port: smtpAddress.port });
  if (milterAddress !== undefined) {
    logger.info({
      event: 'MILTER_LISTENING',
      ...(typeof milterAddress === 'string'
        ? { path: milterAddress }
        : { host: milterAddress.address, port: milterAddress.port }),
    });
  }
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

  const directory = context.auth.directory;
  const directorySync = directory
    ? startDirectorySyncWorker({ ...context.auth, logger }, directory, {
        intervalSeconds: config.auth.ldap.syncIntervalSeconds,
        disableMissing: config.auth.ldap.syncDisablesMissing,
      })
    : undefined;

  const maintenance = startMaintenance(stores.maintenance, logger, context.now);
  const digestWorker = config.digest.enabled ? new DigestWorker(context) : undefined;
  digestWorker?.start();
  learningWorker?.start();

  const listeners = { smtp, milter, http };
  return {
    context,
    get smtpAddress(): AddressInfo {
      if (!smtpAddress) throw new Error('milter mode has no SMTP listener');
      return smtpAddress;
    },
    milterAddress,
    httpAddress,
    async close() {
      const graceful = Promise.all([
        listeners.smtp?.close(),
        listeners.milter?.close(),
        listeners.http.close(),
        worker.stop(),
        sweeper.stop(),
        purge.stop(),
        directorySync?.stop(),
        maintenance.stop(),
        digestWorker?.stop(),
        learningWorker?.stop(),
      ]);
      if (!(await settlesWithin(graceful, config.shutdownTimeoutMs))) {
        // Past the deadline: cut what is left. Releases whose transaction was unanswered end
        // `interrupted` (as after a crash), ones not yet sent stay as they were; nothing is half-recorded.
        logger.warn({ event: 'SHUTDOWN_DEADLINE', timeoutMs: config.shutdownTimeoutMs });
        stopping.abort();
        cutConnections(listeners.http);
        listeners.smtp?.cut();
        reinjection?.close(true);
      }
      await graceful;
      relay.close();
      reinjection?.close();
      await stores.close();
      logger.info({ event: 'SHUTDOWN_COMPLETE' });
    },
  };
}
