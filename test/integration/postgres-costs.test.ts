import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteItem } from '../../src/actions/delete-item.js';
import { releaseItem } from '../../src/actions/release/release-item.js';
import { loadConfig } from '../../src/config/load-config.js';
import { systemActor } from '../../src/core/actor.js';
import { newId } from '../../src/core/ids.js';
import { Limiter } from '../../src/core/limiter.js';
import { parseSearchQuery } from '../../src/core/search-query.js';
import { ingestMessage } from '../../src/ingest/ingest-message.js';
import { SmtpRelay } from '../../src/relay/smtp-relay.js';
import { FsBlobStore } from '../../src/store/fs/fs-blob-store.js';
import { openPostgresStores, type PostgresStores } from '../../src/store/postgres/open-postgres-stores.js';
import { buildJob } from '../support/builders.js';
import { Downstream } from '../support/downstream.js';
import { type PostgresCluster, postgresAvailable, startPostgres } from '../support/postgres.js';

const DOCS = new URL('../../docs/postgresql.md', import.meta.url);
const START = '<!-- costs:start -->';
const END = '<!-- costs:end -->';
const logger = pino({ level: 'silent' });

/** Statements sent to the server (each one round trip), by their first keyword, counted in the driver. */
class QueryMeter {
  private counts = new Map<string, number>();
  private original: typeof pg.Client.prototype.query | undefined;

  /** Counts every statement any pg client of this process sends, until detach(). */
  attach(): void {
    const original = pg.Client.prototype.query;
    this.original = original;
    const counts = this.counts;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const first = args[0];
      const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
      const keyword = /^\s*(\w+)/.exec(text ?? '')?.[1]?.toUpperCase() ?? '?';
      counts.set(keyword, (counts.get(keyword) ?? 0) + 1);
      return (original as (...inner: unknown[]) => unknown).apply(this, args);
    } as typeof pg.Client.prototype.query;
  }

  detach(): void {
    if (this.original) pg.Client.prototype.query = this.original;
  }

  reset(): void {
    this.counts.clear();
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

async function mail(index: number, recipients: string[]): Promise<Buffer> {
  return new MailComposer({
    from: 'Billing Department <billing@sender.test>',
    to: recipients.join(', '),
    subject: `Your invoice number ${10_000 + index} is overdue - please pay now`,
    messageId: `<${index}.invoice@sender.test>`,
    date: new Date('2026-11-20T10:00:00Z'),
    text: 'Please find the invoice attached.',
    attachments: [
      { filename: 'invoice.pdf', content: Buffer.alloc(20_000, 1), contentType: 'application/pdf' },
    ],
  })
    .compile()
    .build();
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

/**
 * Counts the statements the PostgreSQL store sends per operation, at the driver, and checks the table
 * in docs/postgresql.md. `LAZARET_UPDATE_COST_DOCS=1` rewrites it (npm run docs:costs).
 */
describe.runIf(postgresAvailable('PostgreSQL unit costs'))(
  'PostgreSQL unit costs per operation (statements counted at the pg driver)',
  () => {
    let cluster: PostgresCluster;
    let stores: PostgresStores;
    let blobDir: string;
    let downstream: Downstream;
    const meter = new QueryMeter();
    const rows: { operation: string; counts: Record<string, number> }[] = [];
    const sizes: Record<string, number> = {};

    beforeAll(async () => {
      cluster = await startPostgres();
      const url = await cluster.createDatabase('costs');
      blobDir = await mkdtemp(join(tmpdir(), 'lazaret-pg-costs-'));
      downstream = await new Downstream().start();
      // One pool for every store, as `serve` opens them.
      stores = await openPostgresStores({ url, poolSize: 4 });
      meter.attach();
    });
    afterAll(async () => {
      meter.detach();
      await stores?.close();
      await downstream?.stop();
      await cluster?.stop();
      if (blobDir) await rm(blobDir, { recursive: true, force: true });
    });

    const blobs = () => new FsBlobStore(blobDir);
    let counter = 0;
    const ingest = async (recipients: string[]) => {
      counter += 1;
      return ingestMessage(
        { items: stores.items, blobs: blobs(), logger, now: () => new Date(), retentionDays: { policy: 30 } },
        {
          body: Readable.from([await mail(counter, recipients)]),
          envelope: { mailFrom: 'billing@sender.test', rcptTo: recipients },
        },
      );
    };
    const measure = async (operation: string, work: () => Promise<unknown>) => {
      meter.reset();
      await work();
      const counts = meter.snapshot();
      rows.push({ operation, counts });
      return counts;
    };

    it('measures ingest, listing, search, release and delete', async () => {
      const one = await measure('ingest a message for 1 recipient', () => ingest(['alice@corp.test']));
      const ten = await measure('ingest a message for 10 recipients', () =>
        ingest(Array.from({ length: 10 }, (_, index) => `user${index}@corp.test`)),
      );
      for (let index = 0; index < 120; index += 1) {
        await ingest([index % 3 === 0 ? 'alice@corp.test' : `other${index}@corp.test`]);
      }
      const page = await measure('list a page of 50, no filter', () =>
        stores.items.listItems({}, { limit: 50 }),
      );
      await measure('list a page of 50 for one recipient (user view)', () =>
        stores.items.listItems({ recipient: 'alice@corp.test' }, { limit: 50 }),
      );
      await measure('search a page of 50 by subject words (`invoice overdue`)', () =>
        stores.items.listItems({ terms: parseSearchQuery('invoice overdue').terms }, { limit: 50 }),
      );

      const [target, victim] = (await stores.items.listItems({ recipient: 'alice@corp.test' }, { limit: 2 }))
        .items;
      const relay = new SmtpRelay({
        host: '127.0.0.1',
        port: downstream.port,
        tls: 'none',
        tlsVerify: false,
        maxConnections: 1,
        timeoutMs: 10_000,
      });
      const deps = {
        config: loadConfig({ env: {} }),
        items: stores.items,
        blobs: blobs(),
        relay,
        logger,
        now: () => new Date(),
        nodeName: 'cost-node',
        leaseMs: 60_000,
        delivery: { attempts: 1, retryBaseMs: 1 },
        smtpLimiter: new Limiter(1),
      };
      const release = await measure('release one item (read, claim, mark released)', () =>
        releaseItem(deps, target!.id, systemActor('tester')),
      );
      relay.close();
      await measure(
        'delete one item, the last of its message (read, mark deleted, count live, remove raw)',
        () => deleteItem(deps, victim!.id),
      );

      // Row sizes (without indexes), for the sizing section of the docs.
      for (const table of ['items', 'messages'] as const) {
        const row = await stores.pool.query<{ bytes: number }>(
          `SELECT round(avg(pg_column_size(t.*)))::int AS bytes FROM ${table} t`,
        );
        sizes[`${table === 'items' ? 'item' : 'message'} row`] = row.rows[0]!.bytes;
      }

      // The shapes the design promises: a message and its items in one transaction; batched item rows.
      expect(one.BEGIN).toBe(1);
      expect(one.COMMIT).toBe(1);
      expect(total(ten)).toBe(total(one));
      expect(total(page)).toBeLessThanOrEqual(2);
      expect(total(release)).toBeGreaterThan(0);
      expect(downstream.deliveries).toHaveLength(1);
    });

    it('measures the bookkeeping of a bulk job of 100 items', async () => {
      const jobs = stores.jobs;
      const at = new Date().toISOString();
      const job = buildJob({ owner: systemActor('tester'), createdAt: at });
      const ids = Array.from({ length: 100 }, () => newId());
      const stats = {
        window: { initial: 8, current: 8, min: 8, max: 8, shrinks: 0, grows: 0 },
        throttled: 0,
        smtpTransactions: 100,
        elapsedMs: 1000,
        itemsPerSecond: 100,
      };
      const until = new Date(Date.now() + 60_000).toISOString();
      await measure('bulk job: create it', () => jobs.createJob(job));
      await measure('bulk job: store 100 ids of its selection', () =>
        jobs.appendItems(job.id, 1, ids, { selectionCursor: null, complete: true }),
      );
      const claim = await measure('bulk job: claim it (lease)', () => jobs.claimJob('cost-node', at, until));
      const pending = await jobs.pendingItems(job.id, 0, 100);
      const record = await measure('bulk job: record 100 outcomes (one flush)', () =>
        jobs.recordOutcomes(
          job.id,
          'cost-node',
          pending.map((entry) => ({
            seq: entry.seq,
            itemId: entry.itemId,
            code: 'ok' as const,
            message: 'released',
          })),
          { cursor: 100, stats },
        ),
      );
      await measure('bulk job: renew its lease', () => jobs.renewLease(job.id, 'cost-node', until));
      await measure('bulk job: finish it', () =>
        jobs.finishJob(job.id, 'cost-node', 'completed', { stats, error: null, at }),
      );
      // The claim: the oldest runnable job locked with SKIP LOCKED, then leased, in one transaction.
      expect(claim).toEqual({ BEGIN: 1, SELECT: 1, UPDATE: 1, COMMIT: 1 });
      expect(total(record)).toBeLessThan(100); // outcomes batched, not one statement each
      expect((await jobs.getJob(job.id))?.counters.ok).toBe(100);
    });

    it('matches the cost table in docs/postgresql.md', () => {
      const table = [
        '| operation | statements (round trips) | of which |',
        '|---|---|---|',
        ...rows.map(({ operation, counts }) => {
          const kinds = Object.entries(counts)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([keyword, count]) => `${count} ${keyword}`)
            .join(', ');
          return `| ${operation} | ${total(counts)} | ${kinds} |`;
        }),
        '',
        `Average row sizes in this run (without indexes): ${Object.entries(sizes)
          .map(([name, bytes]) => `${name} ${bytes} bytes`)
          .join('; ')}.`,
      ].join('\n');
      const docs = readFileSync(DOCS, 'utf8');
      const rendered = `${docs.slice(0, docs.indexOf(START) + START.length)}\n${table}\n${docs.slice(docs.indexOf(END))}`;
      expect(docs.indexOf(START)).toBeGreaterThan(-1);
      if (process.env.LAZARET_UPDATE_COST_DOCS === '1') {
        writeFileSync(DOCS, rendered);
        return;
      }
      expect(docs, 'docs/postgresql.md costs are stale: run npm run docs:costs').toBe(rendered);
    });
  },
);
