import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/load-config.js';
import type { AuditStore } from './audit-store.js';
import { ThrottleMonitor } from './aws/throttle-monitor.js';
import type { BlobStore } from './blob-store.js';
import type { DigestStore } from './digest-store.js';
import { FsBlobStore } from './fs/fs-blob-store.js';
import type { ItemStore } from './item-store.js';
import type { JobStore } from './job-store.js';
import type { LearningStore } from './learning-store.js';
import { ListingStatsStore } from './listing-stats-store.js';
import type { PostgresConnectionOptions } from './postgres/postgres-connection.js';
import type { SenderListStore } from './sender-list-store.js';
import type { StatsStore } from './stats-store.js';
import type { UserStore } from './user-store.js';

export interface Stores {
  items: ItemStore;
  audit: AuditStore;
  users: UserStore;
  lists: SenderListStore;
  digests: DigestStore;
  learning: LearningStore;
  blobs: BlobStore;
  /** Dashboard numbers: counters on SQLite and PostgreSQL, a listing of the window on DynamoDB. */
  stats: StatsStore;
  jobs: JobStore;
  /**
   * Throttled attempts of the AWS backends (counted also when the SDK's retries then succeeded): the
   * overload signal of DynamoDB and S3. Null for the embedded backends.
   */
  throttle: ThrottleMonitor | null;
  /** Periodic upkeep the backends need (the DynamoDB sweeper), run by the server; null when none. */
  maintenance: StoreMaintenance | null;
  close(): Promise<void>;
}

export interface MaintenanceReport {
  /** Message writes a crash left half done, now removed with their raw messages. */
  sweptWrites: number;
  sweptItems: number;
  /** Committed writes whose pending marker a crash left behind. */
  finishedWrites: number;
  /** Embedded store: raw messages that no message named, and temporary files of cut-off puts, removed. */
  orphanBlobs?: number;
  staleTemp?: number;
}

export interface StoreMaintenance {
  intervalMs: number;
  run(now: Date): Promise<MaintenanceReport>;
}

interface Closable {
  close(): Promise<void> | void;
}

/** The S3 blob store of `config`, its bucket checked (what `lazaret doctor` checks too). */
export async function openS3BlobStore(
  config: Config,
  throttle: ThrottleMonitor = new ThrottleMonitor(),
): Promise<BlobStore> {
  // The AWS SDK is loaded only when an AWS backend is configured: the embedded default never pays for it.
  const { S3BlobStore } = await import('./s3/s3-blob-store.js');
  const blobs = new S3BlobStore({
    bucket: config.s3.bucket!,
    prefix: config.s3.prefix,
    region: config.aws.region,
    endpoint: config.s3.endpoint,
    forcePathStyle: config.s3.forcePathStyle,
    checksums: config.s3.checksums,
    partSize: config.s3.partSize,
    uploadConcurrency: config.s3.uploadConcurrency,
    maxAttempts: config.s3.maxAttempts,
    throttle,
  });
  try {
    await blobs.checkBucket();
  } catch (error) {
    await blobs.close();
    throw error;
  }
  return blobs;
}

/** The connection settings of the PostgreSQL store, from `config.postgres`. */
export function postgresConnectionOptions(config: Config): PostgresConnectionOptions {
  const postgres = config.postgres;
  return {
    url: postgres.url!,
    password: postgres.password,
    passwordFile: postgres.passwordFile,
    tls: {
      mode: postgres.tls,
      caFile: postgres.tlsCaFile,
      certFile: postgres.tlsCertFile,
      keyFile: postgres.tlsKeyFile,
    },
    poolSize: postgres.poolSize,
    connectTimeoutMs: postgres.connectTimeoutMs,
    statementTimeoutMs: postgres.statementTimeoutMs,
  };
}

/** Whether the configured backends keep anything under dataDir (the embedded store or blob files). */
export function usesDataDir(config: Config): boolean {
  return config.store.backend === 'sqlite' || config.blobs.backend === 'fs';
}

/** Picks and opens the configured backends; the only place that knows which exist. */
export async function openStores(config: Config, options: { logger?: Logger } = {}): Promise<Stores> {
  const opened: Closable[] = [];
  const closeAll = async () => {
    for (const each of opened.reverse()) await each.close();
  };
  const throttle = new ThrottleMonitor();
  try {
    const files = () => new FsBlobStore(join(config.dataDir, 'blobs'));
    let blobs: BlobStore | undefined;
    if (config.blobs.backend === 's3') {
      blobs = await openS3BlobStore(config, throttle);
      opened.push(blobs);
    }
    let items: ItemStore;
    let audit: AuditStore;
    let users: UserStore;
    let lists: SenderListStore;
    let digests: DigestStore;
    let learning: LearningStore;
    let stats: StatsStore;
    let jobs: JobStore;
    let maintenance: StoreMaintenance | null = null;
    if (config.store.backend === 'dynamodb') {
      const { openDynamoStores } = await import('./dynamodb/open-dynamo-stores.js');
      const dynamo = await openDynamoStores({
        table: config.dynamodb.table,
        region: config.aws.region,
        endpoint: config.dynamodb.endpoint,
        maxAttempts: config.dynamodb.maxAttempts,
        minSendRate: config.dynamodb.minSendRate,
        ttlGraceDays: config.dynamodb.ttlGraceDays,
        throttle,
        ...(options.logger ? { logger: options.logger } : {}),
      });
      opened.push(dynamo);
      items = dynamo.items;
      audit = dynamo.audit;
      users = dynamo.users;
      lists = dynamo.lists;
      digests = dynamo.digests;
      learning = dynamo.learning;
      stats = new ListingStatsStore(items);
      jobs = dynamo.jobs;
      // Small blobs inside SQLite are part of the embedded store; beside DynamoDB, fs means files only.
      if (!blobs) {
        blobs = files();
        opened.push(blobs);
      }
      const raw = blobs;
      const sweepAfterMs = config.dynamodb.sweepAfterMs;
      maintenance =
        config.dynamodb.sweepIntervalMs === 0
          ? null
          : {
              intervalMs: config.dynamodb.sweepIntervalMs,
              async run(now) {
                const swept = await dynamo.items.sweepUncommitted(
                  new Date(now.getTime() - sweepAfterMs).toISOString(),
                );
                for (const write of swept.removed) await raw.delete(write.blobKey);
                return {
                  sweptWrites: swept.removed.length,
                  sweptItems: swept.removed.reduce((sum, write) => sum + write.itemIds.length, 0),
                  finishedWrites: swept.finished,
                };
              },
            };
    } else if (config.store.backend === 'postgres') {
      const { openPostgresStores } = await import('./postgres/open-postgres-stores.js');
      // Migrates first, under an advisory lock: nodes starting together wait for each other.
      const postgres = await openPostgresStores(postgresConnectionOptions(config));
      opened.push(postgres);
      ({ items, audit, users, lists, digests, learning, jobs, stats } = postgres);
      if (!blobs) {
        blobs = files();
        opened.push(blobs);
      }
    } else {
      const { DATABASE_FILE } = await import('./sqlite/sqlite-database.js');
      const { openSqliteThread } = await import('./sqlite/sqlite-thread-client.js');
      const { SqliteBlobStore } = await import('./sqlite/sqlite-blob-store.js');
      // The item store writes small raw messages in their message's commit only for the embedded blob
      // store below, which reads them back; with S3 blobs every message's bytes go to S3.
      const thread = await openSqliteThread(join(config.dataDir, DATABASE_FILE), {
        ...options,
        keepsRawInline: !blobs,
      });
      opened.push(thread);
      ({ items, audit, users, lists, digests, learning, stats, jobs } = thread.stores);
      if (!blobs) {
        const { OrphanBlobSweeper } = await import('./sqlite/orphan-blobs.js');
        const fileStore = files();
        const embedded = new SqliteBlobStore(
          thread.stores.inlineBlobs,
          fileStore,
          config.blobs.inlineMaxBytes,
        );
        blobs = embedded;
        opened.push(blobs);
        const sweeper = new OrphanBlobSweeper(thread.stores.inlineBlobs, embedded, fileStore);
        const { sweepIntervalMs, sweepAfterMs } = config.blobs;
        maintenance =
          sweepIntervalMs === 0
            ? null
            : {
                intervalMs: sweepIntervalMs,
                async run(now) {
                  const swept = await sweeper.sweep(new Date(now.getTime() - sweepAfterMs));
                  return { sweptWrites: 0, sweptItems: 0, finishedWrites: 0, ...swept };
                },
              };
      }
    }
    const usesAws = config.store.backend === 'dynamodb' || config.blobs.backend === 's3';
    return {
      items,
      audit,
      users,
      lists,
      digests,
      learning,
      blobs,
      stats,
      jobs,
      throttle: usesAws ? throttle : null,
      maintenance,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
