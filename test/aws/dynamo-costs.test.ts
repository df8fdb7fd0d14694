import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkEngine, pagesOf } from '../../src/actions/bulk/bulk-engine.js';
import { deleteItem } from '../../src/actions/delete-item.js';
import { releaseItem } from '../../src/actions/release/release-item.js';
import { loadConfig } from '../../src/config/load-config.js';
import { systemActor } from '../../src/core/actor.js';
import { newId } from '../../src/core/ids.js';
import { Limiter } from '../../src/core/limiter.js';
import { ingestMessage } from '../../src/ingest/ingest-message.js';
import { SmtpRelay } from '../../src/relay/smtp-relay.js';
import { DynamoItemStore } from '../../src/store/dynamodb/dynamo-item-store.js';
import { DynamoJobStore } from '../../src/store/dynamodb/dynamo-job-store.js';
import { FsBlobStore } from '../../src/store/fs/fs-blob-store.js';
import { type Emulators, startEmulators } from '../support/aws-emulators.js';
import { buildJob } from '../support/builders.js';
import { Downstream } from '../support/downstream.js';
import { CostMeter, type Costs, itemSize } from '../support/dynamo-cost-meter.js';
import { type DynamoTable, freshTable } from '../support/dynamo-fixture.js';

const DOCS = new URL('../../docs/dynamodb.md', import.meta.url);
const START = '<!-- costs:start -->';
const END = '<!-- costs:end -->';
const logger = pino({ level: 'silent' });

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

/**
 * Measures what the DynamoDB store costs per operation by counting its calls and pricing them by
 * DynamoDB's rules (see CostMeter), over realistic records, and checks the table in docs/dynamodb.md.
 * `LAZARET_UPDATE_COST_DOCS=1` rewrites that table (npm run docs:costs).
 */
describe('DynamoDB unit costs per operation (counted calls, priced by DynamoDB rules)', () => {
  let emulators: Emulators;
  let table: DynamoTable;
  let blobDir: string;
  let downstream: Downstream;
  const rows: { operation: string; costs: Costs }[] = [];
  const sizes: Record<string, number> = {};

  beforeAll(async () => {
    emulators = await startEmulators();
    table = await freshTable(emulators, 'costs');
    blobDir = await mkdtemp(join(tmpdir(), 'lazaret-costs-'));
    downstream = await new Downstream().start();
  });
  afterAll(async () => {
    await downstream.stop();
    await table.drop();
    await emulators.stop();
    await rm(blobDir, { recursive: true, force: true });
  });

  /** A node: its own client (cold caches) with a meter. */
  const node = () => {
    const connection = table.connect();
    const meter = new CostMeter(table.connect());
    meter.attach(connection);
    return { store: new DynamoItemStore({ connection }), meter };
  };
  const blobs = () => new FsBlobStore(blobDir);
  let counter = 0;
  const ingest = async (store: DynamoItemStore, recipients: string[]) => {
    counter += 1;
    return ingestMessage(
      // Retention on, as in production: every item has an expiry (and so a TTL and an expiry index entry).
      { items: store, blobs: blobs(), logger, now: () => new Date(), retentionDays: { policy: 30 } },
      {
        body: Readable.from([await mail(counter, recipients)]),
        envelope: { mailFrom: 'billing@sender.test', rcptTo: recipients },
      },
    );
  };
  const measure = async (operation: string, meter: CostMeter, work: () => Promise<unknown>) => {
    meter.reset();
    await work();
    const costs = meter.snapshot();
    rows.push({ operation, costs });
    return costs;
  };

  it('measures ingest, listing, release and delete', async () => {
    const ingester = node();
    await ingest(ingester.store, ['warm-up@corp.test']); // the node has written today's day record
    const one = await measure('ingest a message for 1 recipient', ingester.meter, () =>
      ingest(ingester.store, ['alice@corp.test']),
    );
    await measure('ingest a message for 10 recipients', ingester.meter, () =>
      ingest(
        ingester.store,
        Array.from({ length: 10 }, (_, index) => `user${index}@corp.test`),
      ),
    );
    for (let index = 0; index < 120; index += 1) {
      await ingest(ingester.store, [index % 3 === 0 ? 'alice@corp.test' : `other${index}@corp.test`]);
    }

    const lister = node();
    const page = await measure(
      'list a page of 50, no filter, on a node that has not seen the messages',
      lister.meter,
      () => lister.store.listItems({}, { limit: 50 }),
    );
    await measure('list the same page again (commit markers remembered)', lister.meter, () =>
      lister.store.listItems({}, { limit: 50 }),
    );
    const recipientNode = node();
    await measure('list a page of 50 for one recipient (user view), cold', recipientNode.meter, () =>
      recipientNode.store.listItems({ recipient: 'alice@corp.test' }, { limit: 50 }),
    );

    const releaser = node();
    const [target, victim, untouched] = (
      await releaser.store.listItems({ recipient: 'alice@corp.test' }, { limit: 3 })
    ).items;
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
      items: releaser.store,
      blobs: blobs(),
      relay,
      logger,
      now: () => new Date(),
      nodeName: 'cost-node',
      leaseMs: 60_000,
      delivery: { attempts: 1, retryBaseMs: 1 },
      smtpLimiter: new Limiter(1),
    };
    const release = await measure('release one item (read, claim, mark released)', releaser.meter, () =>
      releaseItem(deps, target!.id, systemActor('tester')),
    );
    relay.close();
    await measure(
      'delete one item, the last of its message (read, mark deleted, count live, remove raw)',
      releaser.meter,
      () => deleteItem(deps, victim!.id),
    );

    // Record sizes, for the layout section of the docs.
    const shadow = table.connect();
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const raw = async (key: Record<string, string>) =>
      (await shadow.doc.send(new GetCommand({ TableName: table.table, Key: key }))).Item as Record<
        string,
        unknown
      >;
    sizes['item record'] = itemSize(await raw({ pk: `ITEM#${untouched!.id}`, sk: '#' }));
    sizes['item record once released'] = itemSize(await raw({ pk: `ITEM#${target!.id}`, sk: '#' }));
    sizes['message record, 1 recipient'] = itemSize(
      await raw({ pk: `MSG#${untouched!.messageId}`, sk: '#' }),
    );

    // Sanity: the shapes the design promises.
    expect(one.calls).toEqual({ PutItem: 2, BatchWriteItem: 1, DeleteItem: 1 });
    expect(release.indexWriteUnits).toBe(2); // the lease index entry, put and removed
    expect(page.calls.Query).toBeGreaterThanOrEqual(2); // the day list, then the day's partition
  });

  it('measures the bookkeeping of a bulk job of 100 items', async () => {
    const connection = table.connect();
    const meter = new CostMeter(table.connect());
    meter.attach(connection);
    const jobs = new DynamoJobStore(connection);
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
    await measure('bulk job: create it', meter, () => jobs.createJob(job));
    await measure('bulk job: store 100 ids of its selection', meter, () =>
      jobs.appendItems(job.id, 1, ids, { selectionCursor: null, complete: true }),
    );
    const claim = await measure('bulk job: claim it (lease)', meter, () =>
      jobs.claimJob('cost-node', at, until),
    );
    const pending = await jobs.pendingItems(job.id, 0, 100);
    const record = await measure('bulk job: record 100 outcomes (one flush)', meter, () =>
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
    await measure('bulk job: renew its lease', meter, () => jobs.renewLease(job.id, 'cost-node', until));
    await measure('bulk job: finish it', meter, () =>
      jobs.finishJob(job.id, 'cost-node', 'completed', { stats, error: null, at }),
    );
    expect(claim.calls.PutItem).toBe(1); // the claim is one conditional write
    expect(record.calls.UpdateItem).toBe(100); // one conditional write per outcome
    expect((await jobs.getJob(job.id))?.counters.ok).toBe(100);
  });

  it('counts the requests the bulk engine makes per item for a release and a delete', async () => {
    // 40 messages of one recipient each, as a bulk job meets them; a node of its own (cold caches).
    const count = 40;
    const ingester = node();
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const result = await ingest(ingester.store, [`bulk${index}@corp.test`]);
      ids.push(...result.items.map((item) => item.id));
    }
    const engineNode = node();
    const relay = new SmtpRelay({
      host: '127.0.0.1',
      port: downstream.port,
      tls: 'none',
      tlsVerify: false,
      maxConnections: 4,
      timeoutMs: 10_000,
    });
    const engine = () =>
      new BulkEngine({
        config: loadConfig({ env: {} }),
        items: engineNode.store,
        blobs: blobs(),
        relay,
        logger,
        now: () => new Date(),
        nodeName: 'cost-node',
        leaseMs: 60_000,
        delivery: { attempts: 1, retryBaseMs: 1 },
        smtpLimiter: new Limiter(4),
        bulk: {
          window: 1024,
          storeConcurrency: 8,
          storeBatchSize: 500,
          storeLingerMs: 20,
          throttleTries: 3,
          throttleBackoffMs: 10,
          fullDiskPauseMs: 1000,
        },
      });
    const perItem = async (action: 'release' | 'delete', selection: string[]) => {
      engineNode.meter.reset();
      const codes: string[] = [];
      await engine().run({
        action,
        actor: systemActor('tester'),
        force: false,
        recipients: null,
        leaseOwner: 'cost-node/bulk',
        pages: pagesOf(selection),
        onOutcome: (outcome) => codes.push(outcome.code),
      });
      expect(codes).toEqual(selection.map(() => 'ok'));
      const costs = engineNode.meter.snapshot();
      return Object.fromEntries(
        Object.entries(costs.calls).map(([command, calls]) => [command, calls / selection.length]),
      );
    };
    const released = await perItem('release', ids.slice(0, count / 2));
    const deleted = await perItem('delete', ids.slice(count / 2));
    relay.close();
    // Release: the claim and the record are one conditional write each; reads go 100 keys a call.
    expect(released.UpdateItem).toBe(2);
    // Delete: the move to deleted, then (the item being its message's last) the message record
    // marked and the item taken out of the index of gone items: three conditional writes.
    expect(deleted.UpdateItem).toBe(3);
    expect(released.BatchGetItem).toBeLessThanOrEqual(0.2);
    expect(deleted.BatchGetItem).toBeLessThanOrEqual(0.2);
    expect(Object.keys(released).sort()).toEqual(['BatchGetItem', 'UpdateItem']);
    expect(Object.keys(deleted).sort()).toEqual(['BatchGetItem', 'UpdateItem']);
  });

  it('matches the cost table in docs/dynamodb.md', () => {
    const units = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
    const table = [
      '| operation | calls | read units | write units (table + indexes) |',
      '|---|---|---|---|',
      ...rows.map(({ operation, costs }) => {
        const calls = Object.entries(costs.calls)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([command, count]) => `${count} ${command}`)
          .join(', ');
        const writes = costs.tableWriteUnits + costs.indexWriteUnits;
        return `| ${operation} | ${calls} | ${units(costs.readUnits)} | ${writes} (${costs.tableWriteUnits} + ${costs.indexWriteUnits}) |`;
      }),
      '',
      `Record sizes in this run: ${Object.entries(sizes)
        .map(([name, size]) => `${name} ${size} bytes`)
        .join('; ')}.`,
    ].join('\n');
    const docs = readFileSync(DOCS, 'utf8');
    const rendered = `${docs.slice(0, docs.indexOf(START) + START.length)}\n${table}\n${docs.slice(docs.indexOf(END))}`;
    expect(docs.indexOf(START)).toBeGreaterThan(-1);
    if (process.env.LAZARET_UPDATE_COST_DOCS === '1') {
      writeFileSync(DOCS, rendered);
      return;
    }
    expect(docs, 'docs/dynamodb.md costs are stale: run npm run docs:costs').toBe(rendered);
  });
});
