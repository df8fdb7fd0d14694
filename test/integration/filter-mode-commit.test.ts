import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { buildIngestDeps, buildPipeline, buildReinjection } from '../../src/ingest/ingest-setup.js';
import { type SmtpListener, startSmtpListener } from '../../src/ingest/smtp-listener.js';
import { createLogger } from '../../src/log.js';
import type { ItemStore } from '../../src/store/item-store.js';
import { openStores, type Stores } from '../../src/store/open-stores.js';
import { type Emulators, startEmulators } from '../support/aws-emulators.js';
import { Downstream } from '../support/downstream.js';
import { type DynamoTable, freshTable } from '../support/dynamo-fixture.js';
import { tempDir, testConfig } from '../support/env.js';
import { blobFiles } from '../support/filter-server.js';
import { message } from '../support/mail.js';
import { type SendOutcome, sendRaw } from '../support/smtp-client.js';
import { startOutageProxy } from '../support/tcp-outage.js';

const logger = createLogger('silent');
const HELD = 'x@blocked.test';
const CLEAN = ['y@open.test', 'z@open.test'];
const SENDER = 'spammer@bad.example';

interface Filter {
  listener: SmtpListener;
  stores: Stores;
  close(): Promise<void>;
}

/**
 * A filter-mode SMTP listener as `serve` builds it, over real stores; `wrapItems` puts a fault in
 * front of the item store and `afterVerdicts` runs once the verdict pipeline (the policy step) decided.
 */
async function startFilter(
  env: Record<string, string | number>,
  reinjectPort: number,
  options: { wrapItems?: (items: ItemStore) => ItemStore; afterVerdicts?: () => Promise<void> } = {},
): Promise<Filter> {
  const config = testConfig({
    LAZARET_SMTP_PORT: 0,
    LAZARET_MODE: 'filter',
    LAZARET_FILTER_REINJECT_PORT: reinjectPort,
    LAZARET_FILTER_REINJECT_TIMEOUT_MS: 5000,
    LAZARET_SCANNERS_ENABLED: 'policy',
    LAZARET_SCANNERS_POLICY_SENDER_BLOCK: 'blocked.test:spammer@bad.example',
    LAZARET_BLOBS_INLINE_MAX_BYTES: 0,
    ...env,
  });
  const stores = await openStores(config, { logger });
  const items = options.wrapItems ? options.wrapItems(stores.items) : stores.items;
  const pipeline = buildPipeline(config, logger, undefined, { lists: stores.lists, users: stores.users });
  const decide = pipeline.decide.bind(pipeline);
  pipeline.decide = async (input) => {
    const verdicts = await decide(input);
    await options.afterVerdicts?.();
    return verdicts;
  };
  const reinjection = buildReinjection(config);
  const listener = await startSmtpListener(
    config,
    buildIngestDeps(
      config,
      { items, blobs: stores.blobs, logger, now: () => new Date() },
      { pipeline, forward: reinjection },
    ),
  );
  return {
    listener,
    stores,
    async close() {
      await listener.close();
      reinjection.close();
      await stores.close();
    },
  };
}

/** An item store whose putMessage fails (after the blob was stored) while `failing` says so. */
function failingCommits(inner: ItemStore, state: { failing: boolean; failed: number }): ItemStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'putMessage') {
        return async (...args: Parameters<ItemStore['putMessage']>) => {
          if (state.failing) {
            state.failed += 1;
            throw new LazaretError('store_error', 'Injected: commit failed after the blob was stored');
          }
          return target.putMessage(...args);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** What Postfix does with a deferred message: the same envelope and bytes again, until it gets 2xx or 5xx. */
async function retryLikePostfix(
  port: number,
  raw: Buffer,
  between: (attempt: number, outcome: SendOutcome) => Promise<void> = async () => undefined,
  attempts = 6,
): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = [];
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const outcome = await sendRaw(port, { from: SENDER, to: [HELD, ...CLEAN] }, raw);
    outcomes.push(outcome);
    if (outcome.ok || (outcome.code ?? 0) >= 500) break;
    await between(attempt, outcome);
  }
  return outcomes;
}

async function heldItems(items: ItemStore, subject: string) {
  return (await items.listItems({ subject }, { limit: 100 })).items;
}

function copiesPerRecipient(downstream: Downstream, subject: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const mail of downstream.deliveries) {
    if (!mail.raw.toString('latin1').includes(`Subject: ${subject}\r\n`)) continue;
    for (const to of mail.rcptTo) counts[to] = (counts[to] ?? 0) + 1;
  }
  return counts;
}

describe('filter mode commits the held recipients before relaying the clean ones (SQLite + files)', () => {
  let downstream: Downstream;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let filter: Filter;
  const commits = { failing: false, failed: 0 };

  beforeAll(async () => {
    dir = await tempDir();
    downstream = await new Downstream().start();
    filter = await startFilter({ LAZARET_DATA_DIR: dir.path }, downstream.port, {
      wrapItems: (items) => failingCommits(items, commits),
    });
  });
  afterEach(() => {
    commits.failing = false;
    downstream.onRcpt = undefined;
    downstream.onData = undefined;
  });
  afterAll(async () => {
    await filter?.close();
    await downstream?.stop();
    await dir?.cleanup();
  });

  it('answers 451 before relaying while the commit fails; once it works, each clean recipient gets one copy', async () => {
    const subject = 'commit fails three times';
    const raw = message({ subject, from: SENDER });
    commits.failing = true;
    const outcomes = await retryLikePostfix(filter.listener.address().port, raw, async (attempt) => {
      expect(copiesPerRecipient(downstream, subject)).toEqual({});
      if (attempt === 3) commits.failing = false;
    });
    expect(outcomes.map((outcome) => outcome.code)).toEqual([451, 451, 451, 250]);
    expect(outcomes[0]!.reply).toContain('Temporary storage failure');
    expect(commits.failed).toBe(3);
    expect(copiesPerRecipient(downstream, subject)).toEqual({ 'y@open.test': 1, 'z@open.test': 1 });
    const items = await heldItems(filter.stores.items, subject);
    expect(items.map((item) => item.recipient)).toEqual([HELD]);
    // The failed attempts left no raw message behind: one blob, the held item's.
    expect(await blobFiles(dir.path)).toEqual([`${items[0]!.messageId}.eml`]);
    const relayed = downstream.deliveries.find((mail) => mail.raw.includes(`Subject: ${subject}`));
    expect(relayed!.raw.equals(raw)).toBe(true);
  });

  it('keeps the held item when the relay defers; the retry finds it and stores no second copy', async () => {
    const subject = 'relay defers twice';
    const raw = message({ subject, from: SENDER });
    const blobsBefore = (await blobFiles(dir.path)).length;
    downstream.onRcpt = () => ({ code: 451, message: 'Try again later' });
    const outcomes = await retryLikePostfix(filter.listener.address().port, raw, async (attempt) => {
      expect(await heldItems(filter.stores.items, subject)).toHaveLength(1);
      if (attempt === 2) downstream.onRcpt = undefined;
    });
    expect(outcomes.map((outcome) => outcome.code)).toEqual([451, 451, 250]);
    expect(outcomes[2]!.reply).toContain('Held by an earlier attempt, relayed to 2 recipient(s)');
    expect(copiesPerRecipient(downstream, subject)).toEqual({ 'y@open.test': 1, 'z@open.test': 1 });
    expect((await heldItems(filter.stores.items, subject)).map((item) => item.recipient)).toEqual([HELD]);
    expect((await blobFiles(dir.path)).length).toBe(blobsBefore + 1);
  });

  it('keeps the held item when the relay refuses for good, and answers the relay’s 5xx', async () => {
    const subject = 'relay refuses';
    downstream.onData = () => ({ code: 554, message: 'Content refused downstream' });
    const outcomes = await retryLikePostfix(
      filter.listener.address().port,
      message({ subject, from: SENDER }),
    );
    expect(outcomes.map((outcome) => outcome.code)).toEqual([554]);
    const items = await heldItems(filter.stores.items, subject);
    expect(items.map((item) => [item.recipient, item.status])).toEqual([[HELD, 'quarantined']]);
    const raw = await filter.stores.blobs.get(items[0]!.messageId);
    expect(raw).toBeDefined();
  });

  it('holds a recipient the listener refused while it accepted the others, under a copy of the bytes', async () => {
    const subject = 'one refused';
    const raw = message({ subject, from: SENDER });
    downstream.onRcpt = (address) =>
      address === 'z@open.test' ? { code: 550, message: 'No such user here' } : undefined;
    const outcomes = await retryLikePostfix(filter.listener.address().port, raw);
    expect(outcomes.map((outcome) => outcome.code)).toEqual([250]);
    const items = await heldItems(filter.stores.items, subject);
    expect(items.map((item) => [item.recipient, item.details.rule]).sort()).toEqual([
      [HELD, 'sender-block'],
      ['z@open.test', 'relay-refused'],
    ]);
    expect(items[0]!.messageId).not.toBe(items[1]!.messageId);
    for (const item of items) {
      const stored = Buffer.concat(await (await filter.stores.blobs.get(item.messageId)).toArray());
      expect(stored.equals(raw)).toBe(true);
    }
    expect(copiesPerRecipient(downstream, subject)).toEqual({ 'y@open.test': 1 });
  });
});

describe('filter mode over DynamoDB + S3 with a real DynamoDB outage after the policy step', () => {
  let emulators: Emulators;
  let table: DynamoTable;
  let downstream: Downstream;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    emulators = await startEmulators();
    table = await freshTable(emulators, 'outage');
    downstream = await new Downstream().start();
    dir = await tempDir();
    // The stores of this process take the emulator credentials from the environment, as `serve` does.
    const env = emulators.env(table.table, 'unused');
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) vi.stubEnv(name, env[name]!);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await downstream?.stop();
    await table?.drop();
    await emulators?.stop();
    await dir?.cleanup();
  });

  it('answers 4xx while DynamoDB is down; after it returns, each clean recipient has exactly one copy', async () => {
    const bucket = `outage-${newId().toLowerCase()}`;
    await emulators.createBucket(bucket);
    const dynamo = await startOutageProxy(new URL(emulators.dynamoEndpoint));
    let down = false;
    let outages = 0;
    const filter = await startFilter(
      {
        LAZARET_DATA_DIR: dir.path,
        ...emulators.env(table.table, bucket),
        LAZARET_DYNAMODB_ENDPOINT: dynamo.endpoint,
        LAZARET_DYNAMODB_MAX_ATTEMPTS: 2,
        LAZARET_DYNAMODB_SWEEP_INTERVAL_MS: 0,
      },
      downstream.port,
      {
        afterVerdicts: async () => {
          // The first attempt loses DynamoDB between the policy step and the commit.
          if (outages > 0) return;
          outages += 1;
          down = true;
          await dynamo.cut();
        },
      },
    );
    try {
      const subject = 'dynamodb outage';
      const raw = message({ subject, from: SENDER });
      const outcomes = await retryLikePostfix(filter.listener.address().port, raw, async (attempt) => {
        expect(copiesPerRecipient(downstream, subject)).toEqual({});
        if (attempt === 2) {
          await dynamo.restore();
          down = false;
        }
      });
      expect(outages).toBe(1);
      expect(outcomes.map((outcome) => outcome.code)).toEqual([451, 451, 250]);
      expect(copiesPerRecipient(downstream, subject)).toEqual({ 'y@open.test': 1, 'z@open.test': 1 });
      const items = await heldItems(filter.stores.items, subject);
      expect(items.map((item) => item.recipient)).toEqual([HELD]);
      const stored = Buffer.concat(await (await filter.stores.blobs.get(items[0]!.messageId)).toArray());
      expect(stored.equals(raw)).toBe(true);

      // A relay that defers after the commit: the retry finds the DynamoDB items and adds none.
      const deferred = 'dynamodb relay defers';
      downstream.onRcpt = () => ({ code: 451, message: 'Try again later' });
      const retried = await retryLikePostfix(
        filter.listener.address().port,
        message({ subject: deferred, from: SENDER }),
        async () => {
          downstream.onRcpt = undefined;
        },
      );
      expect(retried.map((outcome) => outcome.code)).toEqual([451, 250]);
      expect(retried[1]!.reply).toContain('Held by an earlier attempt');
      expect(copiesPerRecipient(downstream, deferred)).toEqual({ 'y@open.test': 1, 'z@open.test': 1 });
      expect((await heldItems(filter.stores.items, deferred)).map((item) => item.recipient)).toEqual([HELD]);
    } finally {
      if (down) await dynamo.restore();
      await filter.close();
      await dynamo.close();
    }
  });
});
