import { createHash } from 'node:crypto';
import pino from 'pino';
import type { JobWorker } from '../../src/actions/jobs/job-worker.js';
import type { AppContext } from '../../src/app-context.js';
import { loadConfig } from '../../src/config/load-config.js';
import { Limiter } from '../../src/core/limiter.js';
import type { MessageRecord, QuarantineItem, Reason } from '../../src/core/types.js';
import { SmtpRelay } from '../../src/relay/smtp-relay.js';
import { buildContext, buildJobWorker } from '../../src/server.js';
import type { AuditEntry } from '../../src/store/audit-store.js';
import type { ThrottleMonitor } from '../../src/store/aws/throttle-monitor.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import type { ItemStore } from '../../src/store/item-store.js';
import { FINAL_JOB_STATES, type Job, type JobStore } from '../../src/store/job-store.js';
import type { MakeStores, StoreFixture } from '../contract/stores.js';
import { buildItems, buildMessage } from './builders.js';
import { Downstream, type DownstreamOptions } from './downstream.js';

export interface SeededMessage {
  message: MessageRecord;
  items: QuarantineItem[];
  raw: Buffer;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  downstream?: DownstreamOptions;
  /** Wraps the item store the engine uses (the fixture's own stays unwrapped for assertions). */
  wrapItems?: (items: ItemStore) => ItemStore;
  /** Wraps the job store the engine uses, like wrapItems. */
  wrapJobs?: (jobs: JobStore) => JobStore;
  /** The backend's own throttling signal, as the AWS backends give it. */
  throttle?: ThrottleMonitor;
}

/**
 * The use-case layer over one backend pair from `makeStores`, a real SMTP downstream and a real
 * nodemailer relay pool: what `serve` wires, without HTTP. Engine and job suites run on it for
 * every backend.
 */
export class BulkHarness {
  fixture!: StoreFixture;
  context!: AppContext;
  downstream!: Downstream;
  private readonly workers: JobWorker[] = [];
  private readonly relays: SmtpRelay[] = [];

  constructor(
    private readonly makeStores: MakeStores,
    private readonly options: HarnessOptions = {},
  ) {}

  async start(): Promise<this> {
    this.fixture = await this.makeStores();
    this.downstream = await new Downstream(this.options.downstream).start();
    this.context = this.buildContext();
    return this;
  }

  /** A context as another `serve` process over the same stores would have (own relay pool and limits). */
  buildContext(): AppContext {
    const config = loadConfig({
      env: {
        LAZARET_RELAY_PORT: String(this.downstream.port),
        LAZARET_RELAY_TLS: 'none',
        LAZARET_RELEASE_RETRY_BASE_MS: '20',
        LAZARET_JOBS_POLL_MS: '50',
        LAZARET_JOBS_LEASE_MS: '5000',
        ...this.options.env,
      },
    });
    const relay = new SmtpRelay(config.relay);
    this.relays.push(relay);
    const items = this.options.wrapItems ? this.options.wrapItems(this.fixture.items) : this.fixture.items;
    const jobs = this.options.wrapJobs ? this.options.wrapJobs(this.fixture.jobs) : this.fixture.jobs;
    return buildContext(
      config,
      pino({ level: 'silent' }),
      { ...this.fixture, items, jobs, ...(this.options.throttle ? { throttle: this.options.throttle } : {}) },
      relay,
    );
  }

  /** Starts a job worker (as in `serve`) on the harness context; jobs created there wake it. */
  startWorker(context = this.context): JobWorker {
    const worker = buildJobWorker(context);
    worker.start();
    this.workers.push(worker);
    return worker;
  }

  /** Holds `count` messages; message i goes to `recipients(i)` (see seedMessages). */
  seed(
    count: number,
    recipients: (index: number) => string[],
    options: SeedOptions = {},
  ): Promise<SeededMessage[]> {
    return seedMessages(this.fixture, count, recipients, options);
  }

  /** Resolves with the job once it is final (completed, cancelled or failed). */
  async waitForJob(id: string, timeoutMs = 60_000): Promise<Job> {
    return this.waitForJobState(id, (job) => FINAL_JOB_STATES.includes(job.state), timeoutMs);
  }

  async waitForJobState(id: string, predicate: (job: Job) => boolean, timeoutMs = 60_000): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.fixture.jobs.getJob(id);
      if (job && predicate(job)) return job;
      if (Date.now() > deadline)
        throw new Error(`job ${id} did not get there: ${JSON.stringify(job?.state)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The audit entries of a job, once there are any: the runner writes its entry just after the job ends. */
  async waitForJobAudit(jobId: string, timeoutMs = 10_000): Promise<AuditEntry[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const entries = (await this.fixture.audit.listAudit({ jobId }, { limit: 10 })).items;
      if (entries.length > 0 || Date.now() > deadline) return entries;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Deliveries per recipient address, and the delivered bytes after the trace header. */
  deliveredTo(): Map<string, Buffer[]> {
    const byRecipient = new Map<string, Buffer[]>();
    for (const delivery of this.downstream.deliveries) {
      const body = delivery.raw.subarray(traceHeaderEnd(delivery.raw));
      for (const address of delivery.rcptTo) {
        const list = byRecipient.get(address.toLowerCase()) ?? [];
        list.push(body);
        byRecipient.set(address.toLowerCase(), list);
      }
    }
    return byRecipient;
  }

  async close(): Promise<void> {
    for (const worker of this.workers) await worker.stop();
    for (const relay of this.relays) relay.close();
    await this.downstream.stop();
    await this.fixture.cleanup();
  }
}

/** Where the original bytes start: after the (possibly folded) X-Lazaret-Release header. */
export function traceHeaderEnd(raw: Buffer): number {
  let end = raw.indexOf('\r\n') + 2;
  while (raw[end] === 0x20 || raw[end] === 0x09) end = raw.indexOf('\r\n', end) + 2;
  return end;
}

export interface SeedOptions {
  subject?: string;
  reason?: Reason;
  from?: string;
}

/**
 * Holds `count` messages in the given stores; message i goes to `recipients(i)`. Raw messages
 * carry a unique Message-ID and bytes that are not valid UTF-8, to check byte-exact delivery.
 */
export async function seedMessages(
  stores: { items: ItemStore; blobs: BlobStore },
  count: number,
  recipients: (index: number) => string[],
  options: SeedOptions = {},
): Promise<SeededMessage[]> {
  const seeded: SeededMessage[] = [];
  const limiter = new Limiter(16);
  const from = options.from ?? 'sender@bulk.test';
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      limiter.run(async () => {
        const tag = createHash('sha1')
          .update(`${Date.now()}-${index}-${Math.random()}`)
          .digest('hex')
          .slice(0, 16);
        const raw = Buffer.concat([
          Buffer.from(
            `From: Sender <${from}>\r\nTo: ${recipients(index).join(', ')}\r\n` +
              `Subject: ${options.subject ?? 'Bulk'} ${index}\r\nMessage-ID: <${tag}@bulk.test>\r\n\r\n` +
              `Body ${index}\r\n`,
            'latin1',
          ),
          Buffer.from([0xe9, 0xff, 0x0d, 0x0a, 0x2e, 0x2e, 0x0d, 0x0a]),
        ]);
        const message = buildMessage({
          size: raw.length,
          envelope: { mailFrom: from, rcptTo: recipients(index) },
          headers: {
            from: `Sender <${from}>`,
            subject: `${options.subject ?? 'Bulk'} ${index}`,
            messageId: `<${tag}@bulk.test>`,
          },
          receivedAt: new Date(Date.UTC(2026, 10, 1) + index * 1000).toISOString(),
        });
        const items = buildItems(
          message,
          message.envelope.rcptTo,
          options.reason ? { reason: options.reason } : {},
        );
        await stores.blobs.put(message.blobKey, raw);
        await stores.items.putMessage(message, items);
        seeded[index] = { message, items, raw };
      }),
    ),
  );
  return seeded;
}
