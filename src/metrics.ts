import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one process, on a registry of its own (never prom-client's global one),
 * so that several servers in one test process do not share counters. Served at /metrics.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly smtpSessions = new Counter({
    name: 'lazaret_smtp_sessions_total',
    help: 'SMTP connections accepted.',
    registers: [this.registry],
  });
  readonly smtpSessionsActive = new Gauge({
    name: 'lazaret_smtp_sessions_active',
    help: 'SMTP connections open now.',
    registers: [this.registry],
  });
  readonly messagesReceived = new Counter({
    name: 'lazaret_messages_received_total',
    help: 'Messages whose DATA was received, by how the transaction ended (accepted, tempfail, rejected).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly recipientsHeld = new Counter({
    name: 'lazaret_recipients_held_total',
    help: 'Quarantine items created (one per held recipient), by reason.',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly recipientsRelayed = new Counter({
    name: 'lazaret_recipients_relayed_total',
    help: 'Recipients whose mail passed the verdict pipeline and was accepted by the re-injection listener.',
    registers: [this.registry],
  });
  readonly relayFailures = new Counter({
    name: 'lazaret_relay_failures_total',
    help: 'Filter-mode relays to the re-injection listener that failed, by kind (temporary, permanent).',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly storageRefusals = new Counter({
    name: 'lazaret_storage_refusals_total',
    help: 'Messages refused with 452 4.3.1 for lack of storage, by reason: reserve (free space below store.minFreeMb at MAIL FROM) or full (a write found the disk full).',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  /** Where the free-space gauge reads from; set by the composition root for the embedded store. */
  freeSpaceSource: (() => Promise<number>) | undefined;
  readonly dataDirFreeBytes = new Gauge({
    name: 'lazaret_data_dir_free_bytes',
    help: 'Bytes free on the file system of the data dir (embedded store only), read at each scrape.',
    registers: [this.registry],
    collect: async () => {
      if (this.freeSpaceSource) this.dataDirFreeBytes.set(await this.freeSpaceSource());
    },
  });
  readonly scannerDuration = new Histogram({
    name: 'lazaret_scanner_duration_seconds',
    help: 'Time a scanner took to answer, by scanner (successful scans only).',
    labelNames: ['scanner'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly scannerErrors = new Counter({
    name: 'lazaret_scanner_errors_total',
    help: 'Scanner failures, by scanner and kind (error, timeout).',
    labelNames: ['scanner', 'kind'],
    registers: [this.registry],
  });
  readonly purgedItems = new Counter({
    name: 'lazaret_purge_items_total',
    help: 'Items expired by the retention purge.',
    registers: [this.registry],
  });
  readonly purgedBlobs = new Counter({
    name: 'lazaret_purge_blobs_total',
    help: 'Raw messages removed by the retention purge because no live item referenced them.',
    registers: [this.registry],
  });

  readonly bulkItems = new Counter({
    name: 'lazaret_bulk_items_total',
    help: 'Items processed by bulk actions and jobs, by action (release, delete) and outcome code.',
    labelNames: ['action', 'outcome'],
    registers: [this.registry],
  });
  readonly bulkThrottled = new Counter({
    name: 'lazaret_bulk_store_throttled_total',
    help: 'Store calls of the bulk engine answered with a throttling signal (each retried after a back-off).',
    registers: [this.registry],
  });
  readonly jobsRunning = new Gauge({
    name: 'lazaret_jobs_running',
    help: 'Bulk jobs this process is running now.',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'lazaret_' });
  }
}
