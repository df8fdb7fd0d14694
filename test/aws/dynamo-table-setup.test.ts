import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { connectDynamo } from '../../src/store/dynamodb/dynamo-client.js';
import { ensureTable, verifyTable } from '../../src/store/dynamodb/table-setup.js';
import {
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  type Emulators,
  startEmulators,
} from '../support/aws-emulators.js';

interface Stack {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: { input: Record<string, unknown> }) => Promise<unknown>,
      options: { step: 'initialize'; name: string; priority: 'high' },
    ): void;
  };
}

/**
 * dynalite has no UpdateTimeToLive and always describes TTL as DISABLED. This middleware answers the
 * two TTL calls as DynamoDB does, keeping the setting, so that the TTL paths of init run for real
 * against an otherwise real table.
 */
function emulateTtlApi(client: unknown, initial: { status: string; attribute?: string }) {
  const state = { ...initial, updates: 0 };
  (client as Stack).middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'DescribeTimeToLiveCommand') {
        return {
          output: {
            $metadata: {},
            TimeToLiveDescription: {
              TimeToLiveStatus: state.status,
              ...(state.attribute ? { AttributeName: state.attribute } : {}),
            },
          },
        };
      }
      if (context.commandName === 'UpdateTimeToLiveCommand') {
        const spec = args.input.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean };
        state.updates += 1;
        state.status = spec.Enabled ? 'ENABLING' : 'DISABLING';
        state.attribute = spec.AttributeName;
        return { output: { $metadata: {}, TimeToLiveSpecification: spec } };
      }
      return next(args);
    },
    { step: 'initialize', name: 'emulateTtlApi', priority: 'high' },
  );
  return state;
}

describe('table setup: TTL on a service that has it (emulated on dynalite), and the start-up check', () => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(async () => {
    await emulators.stop();
  });
  const connect = (table: string) =>
    connectDynamo({
      table,
      endpoint: emulators.dynamoEndpoint,
      region: EMULATOR_REGION,
      credentials: EMULATOR_CREDENTIALS,
    });

  it('turns TTL on for the ttl attribute once, and leaves it on later runs', async () => {
    const table = `ttl-${newId()}`;
    const connection = connect(table);
    const ttl = emulateTtlApi(connection.client, { status: 'DISABLED' });
    const lines: string[] = [];
    const options = {
      capacity: { mode: 'on-demand' as const },
      pollIntervalMs: 10,
      log: (line: string) => lines.push(line),
    };
    expect(await ensureTable(connection.client, table, options)).toEqual({
      table,
      created: true,
      indexesAdded: [],
      ttl: 'enabled',
    });
    expect(ttl).toMatchObject({ status: 'ENABLING', attribute: 'ttl', updates: 1 });
    expect(await ensureTable(connection.client, table, options)).toMatchObject({
      created: false,
      ttl: 'already-enabled',
    });
    expect(ttl.updates).toBe(1);
    expect(lines).toContain('TTL turned on (attribute ttl)');
    connection.close();
  });

  it('refuses a table whose TTL is on for another attribute', async () => {
    const table = `ttl-${newId()}`;
    const connection = connect(table);
    emulateTtlApi(connection.client, { status: 'ENABLED', attribute: 'expires' });
    await expect(
      ensureTable(connection.client, table, { capacity: { mode: 'on-demand' }, pollIntervalMs: 10 }),
    ).rejects.toSatisfy(
      (error) =>
        isLazaretError(error, 'store_not_initialised') && error.message.includes('attribute expires'),
    );
    connection.close();
  });

  it('lets a second concurrent init find the table the first one is creating', async () => {
    const table = `race-${newId()}`;
    const [one, two] = [connect(table), connect(table)];
    const options = { capacity: { mode: 'on-demand' as const }, pollIntervalMs: 10 };
    const reports = await Promise.all([
      ensureTable(one.client, table, options),
      ensureTable(two.client, table, options),
    ]);
    expect(reports.filter((report) => report.created).length).toBeGreaterThanOrEqual(1);
    await verifyTable(one.client, table);
    expect((await one.client.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus).toBe(
      'ACTIVE',
    );
    one.close();
    two.close();
  });
});
