import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { createTableInput, INDEXES } from '../../src/store/dynamodb/table-layout.js';
import {
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  type Emulators,
  startEmulators,
} from '../support/aws-emulators.js';
import { CLI_PATH, ServeProcess } from '../support/serve-process.js';

const run = promisify(execFile);

async function lazaret(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_PATH, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('lazaret dynamodb init', () => {
  let emulators: Emulators;
  let client: DynamoDBClient;
  let dataDir: string;

  beforeAll(async () => {
    emulators = await startEmulators();
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-init-'));
    client = new DynamoDBClient({
      endpoint: emulators.dynamoEndpoint,
      region: EMULATOR_REGION,
      credentials: EMULATOR_CREDENTIALS,
    });
  });
  afterAll(async () => {
    client.destroy();
    await emulators.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const envFor = (table: string) => ({
    ...emulators.env(table, 'unused'),
    LAZARET_BLOBS: 'fs',
    LAZARET_DATA_DIR: dataDir,
  });

  it('creates the table with every index, and changes nothing when run again', async () => {
    const table = `init-${newId()}`;
    const first = await lazaret(['dynamodb', 'init'], envFor(table));
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`Creating table ${table} (on-demand)`);
    // dynalite has no UpdateTimeToLive: init says so and carries on (the purge worker covers retention).
    expect(first.stdout).toContain('TTL is not offered by this service');
    expect(first.stdout).toContain(`Done: table ${table} is ready (without TTL: this service has none).`);
    const description = (await client.send(new DescribeTableCommand({ TableName: table }))).Table!;
    expect(description.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect((description.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName).sort()).toEqual(
      Object.values(INDEXES)
        .map((index) => index.name)
        .sort(),
    );

    const second = await lazaret(['dynamodb', 'init'], envFor(table));
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toContain(`Table ${table} exists (ACTIVE)`);
    expect(second.stdout).toContain(`Nothing to do: table ${table} is ready`);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
  });

  it('creates a provisioned table with the given units', async () => {
    const table = `init-${newId()}`;
    const result = await lazaret(
      ['dynamodb', 'init', '--capacity', 'provisioned', '--read-units', '20', '--write-units', '10'],
      envFor(table),
    );
    expect(result.code).toBe(0);
    const description = (await client.send(new DescribeTableCommand({ TableName: table }))).Table!;
    expect(description.ProvisionedThroughput).toMatchObject({
      ReadCapacityUnits: 20,
      WriteCapacityUnits: 10,
    });
    expect(description.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput).toMatchObject({
      ReadCapacityUnits: 20,
      WriteCapacityUnits: 10,
    });
  });

  it('refuses bad options and bad configuration with exit code 2', async () => {
    const units = await lazaret(['dynamodb', 'init', '--read-units', '5'], envFor(`init-${newId()}`));
    expect(units).toMatchObject({ code: 2 });
    expect(units.stderr).toContain('--read-units and --write-units need --capacity provisioned');
    const zero = await lazaret(
      ['dynamodb', 'init', '--capacity', 'provisioned', '--read-units', '0'],
      envFor('x'),
    );
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toContain('expected a whole number (decimal digits) of at least 1');
    const config = await lazaret(['dynamodb', 'init'], {
      ...envFor('x'),
      LAZARET_DYNAMODB_MAX_ATTEMPTS: '0',
    });
    expect(config).toMatchObject({ code: 2 });
    expect(config.stderr).toContain('dynamodb.maxAttempts');
  });

  it('refuses a table with another key schema, naming the problem', async () => {
    const table = `init-${newId()}`;
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    const result = await lazaret(['dynamodb', 'init'], envFor(table));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`DynamoDB table ${table} exists with another key schema (id, none)`);
  });

  // dynalite cannot add an index to an existing table (it refuses UpdateTable's index creation for
  // on-demand tables and ignores it otherwise), so only the failure path runs here; on AWS, init adds
  // the index and waits until it is ACTIVE (docs/dynamodb.md).
  it('adds an index an older table lacks — where the service can: dynalite cannot, and init says so', async () => {
    const table = `init-${newId()}`;
    const input = createTableInput(table, { mode: 'on-demand' });
    input.GlobalSecondaryIndexes = input.GlobalSecondaryIndexes!.filter(
      (index) => index.IndexName !== 'byLease',
    );
    await client.send(new CreateTableCommand(input));
    const result = await lazaret(['dynamodb', 'init'], envFor(table));
    expect(result.stdout).toContain(`Adding index byLease to table ${table}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`lazaret: Could not add index byLease to table ${table}`);
  });

  it('keeps serve from starting on a table that is missing or incomplete, naming the fix', async () => {
    for (const prepare of [
      async () => `missing-${newId()}`,
      async () => {
        const table = `partial-${newId()}`;
        const input = createTableInput(table, { mode: 'on-demand' });
        input.GlobalSecondaryIndexes = input.GlobalSecondaryIndexes!.slice(1);
        await client.send(new CreateTableCommand(input));
        return table;
      },
    ]) {
      const table = await prepare();
      const serve = new ServeProcess(envFor(table));
      await expect(serve.start()).rejects.toThrow(/exited/);
      const failure = await serve.waitForLog((line) => line.event === 'START_FAILED');
      expect(JSON.stringify(failure.err)).toMatch(
        /store_not_initialised.*run `lazaret dynamodb init`|run `lazaret dynamodb init`.*store_not_initialised/,
      );
    }
  });
});
