import type { Logger } from 'pino';
import type { Config } from './config/load-config.js';
import type { SmtpRelay } from './release/smtp-relay.js';
import type { AuditStore } from './store/audit-store.js';
import type { BlobStore } from './store/blob-store.js';
import type { ItemStore } from './store/item-store.js';
import type { StatsStore } from './store/stats-store.js';

/** Everything the use cases need, built once by the composition root (server.ts) and passed down. */
export interface AppContext {
  config: Config;
  items: ItemStore;
  audit: AuditStore;
  blobs: BlobStore;
  stats: StatsStore;
  relay: SmtpRelay;
  logger: Logger;
  now: () => Date;
  nodeName: string;
  leaseMs: number;
}
