import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { LazaretError } from '../../core/errors.js';
import { awsErrorName, awsStoreError } from '../aws/aws-errors.js';
import {
  type Capacity,
  createTableInput,
  INDEXES,
  indexDefinition,
  keyAttributes,
  PK,
  SK,
  TTL_ATTRIBUTE,
} from './table-layout.js';

export interface TableSetupReport {
  table: string;
  created: boolean;
  indexesAdded: string[];
  /** enabled now, already enabled, or not offered by this service (dynalite). */
  ttl: 'enabled' | 'already-enabled' | 'unsupported';
}

export interface TableSetupOptions {
  capacity: Capacity;
  /** Progress lines for the operator. */
  log?: (line: string) => void;
  /** Between status checks while the table or an index is being built (default 2 s). */
  pollIntervalMs?: number;
  /** Give up waiting after this long (default 30 min: a new index on a big table takes a while). */
  maxWaitMs?: number;
}

async function describe(client: DynamoDBClient, table: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function notInitialised(message: string, details: Record<string, unknown>): LazaretError {
  return new LazaretError('store_not_initialised', message, details);
}

function checkKeySchema(table: string, description: TableDescription): void {
  const schema = description.KeySchema ?? [];
  const hash = schema.find((key) => key.KeyType === 'HASH')?.AttributeName;
  const range = schema.find((key) => key.KeyType === 'RANGE')?.AttributeName;
  if (hash !== PK || range !== SK) {
    throw notInitialised(
      `DynamoDB table ${table} exists with another key schema (${hash ?? '?'}, ${range ?? 'none'}); Lazaret needs (${PK}, ${SK}). Choose another table name.`,
      { table },
    );
  }
}

function missingIndexes(description: TableDescription): string[] {
  const present = new Set((description.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  return Object.values(INDEXES)
    .map((spec) => spec.name)
    .filter((name) => !present.has(name));
}

/**
 * Creates the table with every index, adds indexes an older table lacks, and turns on TTL on the
 * `ttl` attribute. Safe to run again at any time: what exists is left as it is.
 */
export async function ensureTable(
  client: DynamoDBClient,
  table: string,
  options: TableSetupOptions,
): Promise<TableSetupReport> {
  const log = options.log ?? (() => undefined);
  const pollMs = options.pollIntervalMs ?? 2_000;
  const deadline = Date.now() + (options.maxWaitMs ?? 30 * 60_000);
  const waitFor = async (what: string, ready: (description: TableDescription) => boolean) => {
    for (;;) {
      const description = await describe(client, table);
      if (description && ready(description)) return description;
      if (Date.now() > deadline) {
        throw notInitialised(`Gave up waiting for ${what} of DynamoDB table ${table}.`, { table });
      }
      await delay(pollMs);
    }
  };

  try {
    const report: TableSetupReport = { table, created: false, indexesAdded: [], ttl: 'unsupported' };
    let description = await describe(client, table);
    if (!description) {
      log(
        `Creating table ${table} (${options.capacity.mode}) with indexes ${Object.keys(INDEXES).join(', ')}`,
      );
      try {
        await client.send(new CreateTableCommand(createTableInput(table, options.capacity)));
        report.created = true;
      } catch (error) {
        // Another node or a second run created it meanwhile: carry on with what is there.
        if (awsErrorName(error) !== 'ResourceInUseException') throw error;
      }
      description = await waitFor('creation', (current) => current.TableStatus === 'ACTIVE');
    } else {
      log(`Table ${table} exists (${description.TableStatus})`);
    }
    checkKeySchema(table, description);

    for (const name of missingIndexes(description)) {
      const spec = Object.values(INDEXES).find((each) => each.name === name)!;
      const provisioned =
        description.BillingModeSummary?.BillingMode !== 'PAY_PER_REQUEST' &&
        description.ProvisionedThroughput?.ReadCapacityUnits !== undefined &&
        description.ProvisionedThroughput.ReadCapacityUnits > 0;
      log(`Adding index ${name} to table ${table}`);
      // One index per UpdateTable call is all DynamoDB allows.
      const added = client.send(
        new UpdateTableCommand({
          TableName: table,
          AttributeDefinitions: keyAttributes().map((attribute) => ({
            AttributeName: attribute,
            AttributeType: 'S',
          })),
          GlobalSecondaryIndexUpdates: [
            {
              Create: indexDefinition(
                spec,
                provisioned
                  ? {
                      mode: 'provisioned',
                      readUnits:
                        options.capacity.readUnits ?? description.ProvisionedThroughput?.ReadCapacityUnits,
                      writeUnits:
                        options.capacity.writeUnits ?? description.ProvisionedThroughput?.WriteCapacityUnits,
                    }
                  : { mode: 'on-demand' },
              ),
            },
          ],
        }),
      );
      await added.catch((error: unknown) => {
        throw notInitialised(
          `Could not add index ${name} to table ${table}: ${error instanceof Error ? error.message : String(error)}`,
          { table, index: name },
        );
      });
      const after = await describe(client, table);
      if (!after?.GlobalSecondaryIndexes?.some((index) => index.IndexName === name)) {
        throw notInitialised(
          `Could not add index ${name} to table ${table}: the service accepted the request but did not add it.`,
          { table, index: name },
        );
      }
      description = await waitFor(`index ${name}`, (current) =>
        (current.GlobalSecondaryIndexes ?? []).some(
          (index) => index.IndexName === name && index.IndexStatus === 'ACTIVE',
        ),
      );
      report.indexesAdded.push(name);
    }

    report.ttl = await ensureTtl(client, table, log);
    return report;
  } catch (error) {
    throw awsStoreError('dynamodb init', error);
  }
}

async function ensureTtl(
  client: DynamoDBClient,
  table: string,
  log: (line: string) => void,
): Promise<TableSetupReport['ttl']> {
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  if (
    (status === 'ENABLED' || status === 'ENABLING') &&
    current.TimeToLiveDescription?.AttributeName === TTL_ATTRIBUTE
  ) {
    log(`TTL is on (attribute ${TTL_ATTRIBUTE})`);
    return 'already-enabled';
  }
  if (status === 'ENABLED' || status === 'ENABLING') {
    throw notInitialised(
      `TTL of table ${table} is on for attribute ${current.TimeToLiveDescription?.AttributeName}; Lazaret writes ${TTL_ATTRIBUTE}.`,
      { table },
    );
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
    log(`TTL turned on (attribute ${TTL_ATTRIBUTE})`);
    return 'enabled';
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'UnknownOperationException' || name === 'UnknownOperation') {
      log('TTL is not offered by this service; the purge worker alone removes expired records');
      return 'unsupported';
    }
    throw error;
  }
}

/**
 * Checks at start-up that the table exists with every index Lazaret queries, so that a missing
 * `lazaret dynamodb init` is reported at once and by name, not on the first listing.
 */
export async function verifyTable(client: DynamoDBClient, table: string): Promise<void> {
  let description: TableDescription | undefined;
  try {
    description = await describe(client, table);
  } catch (error) {
    throw awsStoreError('dynamodb check', error);
  }
  if (!description) {
    throw notInitialised(`DynamoDB table ${table} does not exist; run \`lazaret dynamodb init\`.`, { table });
  }
  checkKeySchema(table, description);
  const missing = missingIndexes(description);
  if (missing.length > 0) {
    throw notInitialised(
      `DynamoDB table ${table} lacks the indexes ${missing.join(', ')}; run \`lazaret dynamodb init\`.`,
      { table, missing },
    );
  }
}
