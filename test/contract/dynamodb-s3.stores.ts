import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { DynamoAuditStore } from '../../src/store/dynamodb/dynamo-audit-store.js';
import { connectDynamo, type DynamoConnection } from '../../src/store/dynamodb/dynamo-client.js';
import { DynamoItemStore } from '../../src/store/dynamodb/dynamo-item-store.js';
import { DynamoUserStore } from '../../src/store/dynamodb/dynamo-user-store.js';
import { ensureTable } from '../../src/store/dynamodb/table-setup.js';
import { S3BlobStore } from '../../src/store/s3/s3-blob-store.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
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

/**
 * DynamoDB (dynalite) + S3 (s3rver), started in this process by the first fixture and stopped after
 * the test file. A fresh table and bucket per fixture; reopen = new clients over the same table and bucket.
 */
export const makeDynamoS3: MakeStores = async () => {
  emulators ??= startEmulators();
  const env = await emulators;
  const table = `contract-${newId()}`;
  const bucket = `contract-${newId().toLowerCase()}`;
  const connections: DynamoConnection[] = [];
  const closables: { close(): Promise<void> }[] = [];
  const connect = () => {
    const connection = connectDynamo({
      table,
      endpoint: env.dynamoEndpoint,
      region: EMULATOR_REGION,
      credentials: EMULATOR_CREDENTIALS,
    });
    connections.push(connection);
    return connection;
  };
  // Jobs have no DynamoDB store yet: they live in an embedded database, as `serve` keeps them then.
  const jobsDir = await mkdtemp(join(tmpdir(), 'lazaret-contract-jobs-'));
  const jobsDbs: ReturnType<typeof openSqliteDatabase>[] = [];
  const openJobs = () => {
    const db = openSqliteDatabase(join(jobsDir, 'jobs.sqlite'));
    jobsDbs.push(db);
    return new SqliteJobStore(db);
  };
  const admin = connect();
  await ensureTable(admin.client, table, { capacity: { mode: 'on-demand' }, pollIntervalMs: 10 });
  await env.createBucket(bucket);
  const open = () => {
    const connection = connect();
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
    return {
      items: new DynamoItemStore({ connection, ownsConnection: false }),
      audit: new DynamoAuditStore(connection),
      users: new DynamoUserStore(connection),
      jobs: openJobs(),
      blobs,
    };
  };
  return {
    ...open(),
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
      for (const db of jobsDbs) db.close();
      await rm(jobsDir, { recursive: true, force: true });
    },
  };
};
