import type { Logger } from 'pino';
import type { BulkSettings } from './actions/bulk/bulk-engine.js';
import type { ItemActions } from './actions/item-actions.js';
import type { JobService } from './actions/jobs/job-service.js';
import type { DeliveryPolicy } from './actions/release/release-types.js';
import type { AuthDeps } from './auth/authenticate.js';
import type { OidcProviders } from './auth/oidc/oidc-providers.js';
import type { Config } from './config/load-config.js';
import type { Limiter } from './core/limiter.js';
import type { Wakeup } from './core/wakeup.js';
import type { LinkSigner } from './digest/link-token.js';
import type { RspamdHandoff } from './ingest/rspamd-handoff.js';
import type { VerdictPipeline } from './ingest/verdict-pipeline.js';
import type { Learner } from './learning/learner.js';
import type { Metrics } from './metrics.js';
import type { SmtpRelay } from './relay/smtp-relay.js';
import type { AuditStore } from './store/audit-store.js';
import type { ThrottleMonitor } from './store/aws/throttle-monitor.js';
import type { BlobStore } from './store/blob-store.js';
import type { DigestStore } from './store/digest-store.js';
import type { FreeSpace } from './store/free-space.js';
import type { ItemStore } from './store/item-store.js';
import type { JobStore } from './store/job-store.js';
import type { LearningStore } from './store/learning-store.js';
import type { SenderListStore } from './store/sender-list-store.js';
import type { StatsStore } from './store/stats-store.js';
import type { UserStore } from './store/user-store.js';

/**
 * The stores and services of one process, built once by the composition root (`buildContext` in
 * server.ts) and never changed afterwards. Only server.ts and the HTTP app (api/app.ts) see it whole;
 * every route module, worker and use case declares the narrow dependency type it uses and is handed
 * just that.
 */
export interface AppContext {
  config: Config;
  items: ItemStore;
  audit: AuditStore;
  users: UserStore;
  lists: SenderListStore;
  digests: DigestStore;
  learning: LearningStore;
  blobs: BlobStore;
  stats: StatsStore;
  jobs: JobStore;
  /** The AWS backends' throttling signal (also for calls the SDK retried successfully); null otherwise. */
  storeThrottle: ThrottleMonitor | null;
  relay: SmtpRelay;
  /** Queues what people's releases and spam reports teach the spam filter. */
  learner: Learner;
  /** Signs and checks digest links. */
  links: LinkSigner;
  /** Base of the links in digests: `http.publicUrl`, else the address the API actually listens on. */
  publicUrl: () => string;
  logger: Logger;
  now: () => Date;
  nodeName: string;
  leaseMs: number;
  delivery: DeliveryPolicy;
  /** SMTP transactions in flight towards the relay, across single releases, bulk actions and jobs. */
  smtpLimiter: Limiter;
  bulk: BulkSettings;
  /** Lease of a running job (jobs.leaseMs). */
  jobLeaseMs: number;
  /** What authenticating a request needs: users, sessions, tokens and their audit. */
  auth: AuthDeps;
  /** OpenID Connect providers of auth.oidc.providers, each discovered on first use. */
  oidcProviders: OidcProviders;
  /** Every item action (release, approve, request, deny, delete, bulk): the one owner. */
  actions: ItemActions;
  /** Durable bulk jobs: create, read, cancel. */
  jobService: JobService;
  /** Rung when a job is created or cancelled: the job workers of this process look for work now. */
  jobsWakeup: Wakeup;
  metrics: Metrics;
  /** Aborted when the shutdown deadline passes: releases still in flight stop and are recorded (see ReleaseDeps). */
  stopping: AbortSignal;
  /** Filter mode: the verdict pipeline and the relay to the re-injection listener. */
  pipeline?: VerdictPipeline | undefined;
  reinjection?: SmtpRelay | undefined;
  /** The rspamd hand-off (POST /api/ingest/rspamd) and its shared secret; absent while it is off. */
  rspamdHandoff?: { secret: string; handoff: RspamdHandoff } | undefined;
  /** The embedded store's free space (reserve, /readyz, gauge); absent on DynamoDB + S3. */
  freeSpace?: FreeSpace | undefined;
}
