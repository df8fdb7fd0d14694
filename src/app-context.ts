import type { Logger } from 'pino';
import type { Config } from './config/load-config.js';
import type { VerdictPipeline } from './ingest/verdict-pipeline.js';
import type { Metrics } from './metrics.js';
import type { SmtpRelay } from './release/smtp-relay.js';
import type { BlobStore } from './store/blob-store.js';
import type { ItemStore } from './store/item-store.js';

/** Everything the use cases need, built once by the composition root (server.ts) and passed down. */
export interface AppContext {
  config: Config;
  items: ItemStore;
  blobs: BlobStore;
  relay: SmtpRelay;
  logger: Logger;
  now: () => Date;
  nodeName: string;
  leaseMs: number;
  metrics: Metrics;
  /** Filter mode: the verdict pipeline and the relay to the re-injection listener. */
  pipeline?: VerdictPipeline | undefined;
  reinjection?: SmtpRelay | undefined;
}
