import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { DynamoAuditStore } from '../../src/store/dynamodb/dynamo-audit-store.js';
import {
  connectDynamo,
  type DynamoConnection,
  type DynamoConnectionOptions,
} from '../../src/store/dynamodb/dynamo-client.js';
import { DynamoDigestStore } from '../../src/store/dynamodb/dynamo-digest-store.js';
import { DynamoItemStore } from '../../src/store/dynamodb/dynamo-item-store.js';
import { DynamoJobStore } from '../../src/store/dynamodb/dynamo-job-store.js';
import { DynamoLearningStore } from '../../src/store/dynamodb/dynamo-learning-store.js';
import { DynamoSenderListStore } from '../../src/store/dynamodb/dynamo-sender-list-store.js';
import { DynamoUserStore } from '../../src/store/dynamodb/dynamo-user-store.js';
import { ensureTable } from '../../src/store/dynamodb/table-setup.js';
import { ListingStatsStore } from '../../src/store/listing-stats-store.js';
import { S3BlobStore } from '../../src/store/s3/s3-blob-store.js';
import {
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  type Emulators,
  startEmulators,
} from '../support/aws-emulators.js';
import { type MakeStores, SimulatedCrash } from './stores.js';

let emulators: Promise<Emulators> | undefined;
afterAll(async () => {
  if (emulators) await (await emulators).stop();
});

export interface DynamoS3Options {
  /** Client settings of the fixture's own stores (not of `reopen`'s): e.g. fewer SDK attempts. */
  connection?: Partial<DynamoConnectionOptions>;
  /** Sees the client of the fixture's own stores before first use, to add test middleware. */
  onConnection?: (connection: DynamoConnection) => void;
}

/**
 * DynamoDB (dynalite) + S3 (s3rver), started in this process by the first fixture and stopped after
 * the test file. A fresh table and bucket per fixture; reopen = new clients over the same table and bucket.
 */
export const makeDynamoS3: MakeStores = () => dynamoS3Stores()();

export const dynamoS3Stores =
  (options: DynamoS3Options = {}): MakeStores =>
  async () => {
    emulators ??= startEmulators();
    const env = await emulators;
    const table = `contract-${newId()}`;
    const bucket = `contract-${newId().toLowerCase()}`;
    const connections: DynamoConnection[] = [];
    const closables: { close(): Promise<void> }[] = [];
    const connect = (settings: Partial<DynamoConnectionOptions> = {}) => {
      const connection = connectDynamo({
        table,
        endpoint: env.dynamoEndpoint,
        region: EMULATOR_REGION,
        credentials: EMULATOR_CREDENTIALS,
        ...settings,
      });
      connections.push(connection);
      return connection;
    };
    const admin = connect();
    await ensureTable(admin.client, table, { capacity: { mode: 'on-demand' }, pollIntervalMs: 10 });
    await env.createBucket(bucket);
    const open = (own = false) => {
      const connection = own ? connect(options.connection) : connect();
      if (own) options.onConnection?.(connection);
      const blobs = new S3BlobStore({
        bucket,
        endpoint: env.s3Endpoint,
        region: EMULATOR_REGION,
        forcePathStyle: true,
        checksums: 'when_required',
        credentials: EMULATOR_CREDENTIALS,
        // The smallest part S3 allows, so that the 25 MB contract blob goes up in five parts.
        partSize: 5 * 1024 * 1024,
      });
      closables.push(blobs);
      const items = new DynamoItemStore({ connection, ownsConnection: false });
      return {
        items,
        // As `serve` opens this backend: dashboard numbers read from the items, no counters.
        stats: new ListingStatsStore(items),
        audit: new DynamoAuditStore(connection),
        users: new DynamoUserStore(connection),
        lists: new DynamoSenderListStore(connection),
        digests: new DynamoDigestStore(connection),
        learning: new DynamoLearningStore(connection),
        jobs: new DynamoJobStore(connection),
        blobs,
      };
    };
    return {
      ...open(true),
      reopen: async () => open(),
      crashingItemStore: async (writes) =>
        new DynamoItemStore({
          connection: connect(),
          ownsConnection: false,
          itemBatchSize: 1,
          afterItemWrites: (written) => {
            if (written >= writes) throw new SimulatedCrash();
          },
        }),
      cleanup: async () => {
        for (const each of closables) await each.close();
        await admin.client.send(new DeleteTableCommand({ TableName: table }));
        for (const connection of connections) connection.close();
      },
    };
  };
