import type { Logger } from 'pino';
import type { Config } from '../config/load-config.js';
import type { Reason } from '../core/types.js';
import type { SenderListDeps } from '../lists/sender-decision.js';
import type { Metrics } from '../metrics.js';
import { SmtpRelay } from '../relay/smtp-relay.js';
import type { BlobStore } from '../store/blob-store.js';
import type { FreeSpace } from '../store/free-space.js';
import type { ItemStore } from '../store/item-store.js';
import type { IngestDeps } from './ingest-message.js';
import { isTrusted, trustedHostList } from './scanners/headers.js';
import { buildScanners, VerdictPipeline } from './verdict-pipeline.js';

export function retentionDays(config: Config['retention']): Record<Reason, number> {
  return {
    spam: config.spamDays,
    malware: config.malwareDays,
    phish: config.phishDays,
    policy: config.policyDays,
    bulk: config.bulkDays,
    manual: config.manualDays,
  };
}

export function buildPipeline(
  config: Config,
  logger: Logger,
  metrics?: Metrics,
  lists?: SenderListDeps,
): VerdictPipeline {
  return new VerdictPipeline(buildScanners(config.scanners, lists), {
    onError: config.scanners.onError,
    logger,
    metrics,
  });
}

/** The SMTP client towards the re-injection listener (filter mode): plain SMTP on loopback, pooled. */
export function buildReinjection(config: Config): SmtpRelay {
  return new SmtpRelay({
    host: config.filter.reinjectHost,
    port: config.filter.reinjectPort,
    tls: 'none',
    tlsVerify: false,
    maxConnections: config.filter.reinjectMaxConnections,
    timeoutMs: config.filter.reinjectTimeoutMs,
  });
}

export interface IngestBase {
  items: ItemStore;
  blobs: BlobStore;
  logger: Logger;
  now: () => Date;
  metrics?: Metrics | undefined;
  freeSpace?: FreeSpace | undefined;
}

/**
 * What ingest needs for the configured mode: in capture mode no pipeline (everything held); in
 * filter mode the configured scanners and, for SMTP, the re-injection relay for mail that passes.
 */
export function buildIngestDeps(
  config: Config,
  base: IngestBase,
  options: {
    forward?: IngestDeps['forward'];
    pipeline?: VerdictPipeline | undefined;
    ownDigest?: IngestDeps['ownDigest'];
  } = {},
): IngestDeps {
  const trustedHeaders = trustedHostList(config.scanners.headers.trustedHosts);
  return {
    ...base,
    pipeline: options.pipeline,
    forward: options.forward,
    ownDigest: options.ownDigest,
    retentionDays: retentionDays(config.retention),
    trustsHeadersFrom: (address) => isTrusted(trustedHeaders, address),
    // Zip bytes are kept only for a pipeline whose policy scanner reads archive names.
    captureArchivesUpTo:
      options.pipeline?.scanners.some((scanner) => scanner.name === 'policy') &&
      config.scanners.policy.inspectArchives
        ? config.scanners.policy.maxArchiveSize
        : 0,
  };
}
