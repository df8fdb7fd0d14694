import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { isLazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import type { DynamoConnection } from '../../src/store/dynamodb/dynamo-client.js';
import { DynamoItemStore } from '../../src/store/dynamodb/dynamo-item-store.js';
import { keys, PENDING_SHARDS } from '../../src/store/dynamodb/table-layout.js';
import { openStores } from '../../src/store/open-stores.js';
import { type Emulators, startEmulators } from '../support/aws-emulators.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { type DynamoTable, freshTable } from '../support/dynamo-fixture.js';

const CHILD = fileURLToPath(new URL('../support/crash-ingest-child.mjs', import.meta.url));

async function rawItem(connection: DynamoConnection, id: string) {
  return (await connection.doc.send(new GetCommand({ TableName: connection.table, Key: keys.item(id) })))
    .Item;
}

async function pendingRecords(connection: DynamoConnection) {
  const all: Record<string, unknown>[] = [];
  for (let shard = 0; shard < PENDING_SHARDS; shard += 1) {
    const output = await connection.doc.send(
      new QueryCommand({
        TableName: connection.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.pendingPartition(shard) },
      }),
    );
    all.push(...(output.Items ?? []));
  }
  return all;
}

describe('message writes cut off before their commit marker, and the sweeper', () => {
  let emulators: Emulators;
  let table: DynamoTable;
  let bucket: string;

  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(async () => {
    await emulators.stop();
  });
  beforeEach(async () => {
    table = await freshTable(emulators);
    bucket = `sweep-${newId().toLowerCase()}`;
    await emulators.createBucket(bucket);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await table.drop();
  });

  it('never shows a message whose process was killed mid-write; the sweeper removes it and its raw message', async () => {
    const child = spawn(process.execPath, [CHILD], {
      env: {
        PATH: process.env.PATH ?? '',
        ...emulators.env(table.table, bucket),
        CRASH_AFTER_ITEMS: '2',
        RECIPIENTS: 'a@crash.test,b@crash.test,c@crash.test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
    const [code, signal] = await once(child, 'exit');
    expect({ code, signal, stderr }).toMatchObject({ code: null, signal: 'SIGKILL' });
    const writing = lines.find((line) => line.event === 'WRITING') as {
      messageId: string;
      itemIds: string[];
    };
    expect(lines.map((line) => line.event)).toEqual(['WRITING', 'DYING']);

    // The crash left two item records, the pending record and the raw message behind...
    const connection = table.connect();
    const [first, second, third] = writing.itemIds;
    expect(await rawItem(connection, first!)).toBeDefined();
    expect(await rawItem(connection, second!)).toBeDefined();
    expect(await rawItem(connection, third!)).toBeUndefined();
    expect(await pendingRecords(connection)).toHaveLength(1);

    // ...none of which any reader shows.
    const store = new DynamoItemStore({ connection });
    expect((await store.listItems({}, { limit: 50 })).items).toEqual([]);
    expect((await store.listItems({ tenantIn: ['crash.test'] }, { limit: 50 })).items).toEqual([]);
    expect((await store.listItems({ recipient: 'a@crash.test' }, { limit: 50 })).items).toEqual([]);
    expect((await store.listItems({ messageId: writing.messageId }, { limit: 50 })).items).toEqual([]);
    expect((await store.getItems(writing.itemIds)).size).toBe(0);
    expect(await store.getItem(first!)).toBeNull();
    expect(await store.getMessage(writing.messageId)).toBeNull();
    expect(await store.countLiveItems(writing.messageId)).toBe(0);

    // The sweeper, as every serve node runs it.
    for (const [name, value] of Object.entries(emulators.env(table.table, bucket))) vi.stubEnv(name, value);
    const dataDir = await mkdtemp(join(tmpdir(), 'lazaret-sweep-'));
    const config = loadConfig({ env: { ...emulators.env(table.table, bucket), LAZARET_DATA_DIR: dataDir } });
    const stores = await openStores(config, { logger: pino({ level: 'silent' }) });
    try {
      expect(await stores.blobs.exists(writing.messageId)).toBe(true);
      // Younger than sweepAfterMs: it might still be running, so it is left alone.
      expect(await stores.maintenance!.run(new Date())).toEqual({
        sweptWrites: 0,
        sweptItems: 0,
        finishedWrites: 0,
      });
      const later = new Date(Date.now() + config.dynamodb.sweepAfterMs + 1_000);
      expect(await stores.maintenance!.run(later)).toEqual({
        sweptWrites: 1,
        sweptItems: 3,
        finishedWrites: 0,
      });
      expect(await rawItem(connection, first!)).toBeUndefined();
      expect(await rawItem(connection, second!)).toBeUndefined();
      expect(await pendingRecords(connection)).toEqual([]);
      expect(await stores.blobs.exists(writing.messageId)).toBe(false);
      expect(await stores.maintenance!.run(later)).toEqual({
        sweptWrites: 0,
        sweptItems: 0,
        finishedWrites: 0,
      });
      expect((await stores.items.listItems({}, { limit: 50 })).items).toEqual([]);
    } finally {
      await stores.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('fails a write that is only slow once the sweeper has given up on it, leaving nothing', async () => {
    const sweeper = new DynamoItemStore({ connection: table.connect() });
    let swept: Awaited<ReturnType<DynamoItemStore['sweepUncommitted']>> | undefined;
    const slow = new DynamoItemStore({
      connection: table.connect(),
      itemBatchSize: 1,
      afterItemWrites: async (written) => {
        if (written === 1)
          swept = await sweeper.sweepUncommitted(new Date(Date.now() + 60_000).toISOString());
      },
    });
    const message = buildMessage({
      envelope: { mailFrom: 'a@example.com', rcptTo: ['x@slow.test', 'y@slow.test'] },
    });
    const items = buildItems(message);
    await expect(slow.putMessage(message, items)).rejects.toSatisfy(
      (error) => isLazaretError(error, 'store_error') && /abandoned/.test(error.message),
    );
    expect(swept?.removed.map((write) => write.messageId)).toEqual([message.id]);
    const connection = table.connect();
    for (const item of items) expect(await rawItem(connection, item.id)).toBeUndefined();
    expect(await pendingRecords(connection)).toEqual([]);
    expect(await sweeper.getMessage(message.id)).toBeNull();
    expect((await sweeper.listItems({ tenantIn: ['slow.test'] }, { limit: 10 })).items).toEqual([]);
  });

  it('keeps a committed message whose pending record a crash left behind, and removes only that record', async () => {
    const connection = table.connect();
    // The pending record's removal fails, as if the process died right after the commit.
    connection.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DeleteItemCommand') throw new Error('connection reset (injected)');
        return next(args);
      },
      { step: 'initialize', name: 'failDeletes' },
    );
    const store = new DynamoItemStore({ connection });
    const message = buildMessage({ envelope: { mailFrom: 'a@example.com', rcptTo: ['x@left.test'] } });
    const items = buildItems(message);
    await store.putMessage(message, items);
    expect(await pendingRecords(table.connect())).toHaveLength(1);

    const sweeper = new DynamoItemStore({ connection: table.connect() });
    const result = await sweeper.sweepUncommitted(new Date(Date.now() + 60_000).toISOString());
    expect(result).toEqual({ removed: [], finished: 1 });
    expect(await pendingRecords(table.connect())).toEqual([]);
    expect(await sweeper.getItem(items[0]!.id)).toEqual(items[0]);
    expect(await sweeper.getMessage(message.id)).toEqual(message);
  });
});
