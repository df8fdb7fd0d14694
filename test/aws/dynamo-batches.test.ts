import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { DynamoItemStore } from '../../src/store/dynamodb/dynamo-item-store.js';
import { type Emulators, startEmulators } from '../support/aws-emulators.js';
import { injectUnprocessed, recordCalls } from '../support/aws-faults.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { type DynamoTable, freshTable } from '../support/dynamo-fixture.js';

const recipients = (count: number) => Array.from({ length: count }, (_, index) => `r${index}@batch.test`);

describe('DynamoDB batches: limits and unprocessed keys (dynalite never leaves keys unprocessed; injected)', () => {
  let emulators: Emulators;
  let table: DynamoTable;

  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(async () => {
    await emulators.stop();
  });
  beforeEach(async () => {
    table = await freshTable(emulators);
  });
  afterEach(async () => {
    await table.drop();
  });

  it('writes at most 25 and reads at most 100 keys per call', async () => {
    const connection = table.connect();
    const log = recordCalls(connection.client);
    const store = new DynamoItemStore({ connection });
    const message = buildMessage({ envelope: { mailFrom: 'a@example.com', rcptTo: recipients(60) } });
    const items = buildItems(message);
    await store.putMessage(message, items);
    const writes = log.calls.filter((call) => call.command === 'BatchWriteItemCommand');
    expect(
      writes.map((call) => Object.values(call.input.RequestItems as Record<string, unknown[]>)[0]!.length),
    ).toEqual([25, 25, 11]); // 60 items and the record of the message's checksum

    // A second client, as another node: it has not seen the commit yet, so it checks the marker.
    const readerConnection = table.connect();
    const readerLog = recordCalls(readerConnection.client);
    const reader = new DynamoItemStore({ connection: readerConnection });
    const ids = [...items.map((item) => item.id), ...Array.from({ length: 190 }, () => newId())];
    const found = await reader.getItems(ids);
    expect(found.size).toBe(60);
    const itemReads = readerLog.calls
      .filter((call) => call.command === 'BatchGetItemCommand')
      .map(
        (call) =>
          Object.values(call.input.RequestItems as Record<string, { Keys: unknown[] }>)[0]!.Keys.length,
      );
    // 250 item keys in three calls, then one call for the one message's commit marker.
    expect(itemReads).toEqual([100, 100, 50, 1]);
  });

  it('retries unprocessed writes and reads until everything is done', async () => {
    const connection = table.connect({ unprocessedRetry: { rounds: 12, baseDelayMs: 1 } });
    const unprocessed = injectUnprocessed(connection.client, { keep: 0.5 });
    const log = recordCalls(connection.client);
    const store = new DynamoItemStore({ connection });
    const message = buildMessage({ envelope: { mailFrom: 'a@example.com', rcptTo: recipients(40) } });
    const items = buildItems(message);
    await store.putMessage(message, items);
    const found = await store.getItems(items.map((item) => item.id));
    expect(unprocessed.injected).toBeGreaterThan(40);
    expect(found.size).toBe(40);
    for (const item of items) expect(found.get(item.id)).toEqual(item);
    expect(log.count('BatchWriteItemCommand')).toBeGreaterThan(2);
    expect(connection.throttle.count).toBeGreaterThan(0);
    expect(await store.countLiveItems(message.id)).toBe(40);
  });

  it('gives up with store_throttled when keys stay unprocessed, and nothing of the message shows', async () => {
    const writer = table.connect({ unprocessedRetry: { rounds: 3, baseDelayMs: 1 } });
    injectUnprocessed(writer.client, { keep: 0 });
    const store = new DynamoItemStore({ connection: writer });
    const message = buildMessage({ envelope: { mailFrom: 'a@example.com', rcptTo: recipients(3) } });
    const items = buildItems(message);
    await expect(store.putMessage(message, items)).rejects.toSatisfy((error) =>
      isLazaretError(error, 'store_throttled'),
    );
    const reader = new DynamoItemStore({ connection: table.connect() });
    expect(await reader.getMessage(message.id)).toBeNull();
    expect((await reader.getItems(items.map((item) => item.id))).size).toBe(0);
  });
});
