import { afterAll } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { PostgresAuditStore } from '../../src/store/postgres/postgres-audit-store.js';
import { openPostgresPool } from '../../src/store/postgres/postgres-connection.js';
import { PostgresDigestStore } from '../../src/store/postgres/postgres-digest-store.js';
import { PostgresItemStore } from '../../src/store/postgres/postgres-item-store.js';
import { PostgresJobStore } from '../../src/store/postgres/postgres-job-store.js';
import { PostgresLearningStore } from '../../src/store/postgres/postgres-learning-store.js';
import { PostgresSenderListStore } from '../../src/store/postgres/postgres-sender-list-store.js';
import { PostgresUserStore } from '../../src/store/postgres/postgres-user-store.js';
import { S3BlobStore } from '../../src/store/s3/s3-blob-store.js';
import { type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import {
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  type Emulators,
  startEmulators,
} from '../support/aws-emulators.js';
import { type MakeStores, SimulatedCrash, type StorePair } from './stores.js';

let cluster: Promise<PostgresCluster> | undefined;
let emulators: Promise<Emulators> | undefined;
afterAll(async () => {
  if (cluster) await (await cluster).stop();
  if (emulators) await (await emulators).stop();
});

/** The private cluster of this test file, started by the first caller. */
export function sharedPostgres(): Promise<PostgresCluster> {
  cluster ??= startPostgres();
  return cluster;
}

/**
 * PostgreSQL (a private cluster per test file) + S3 (s3rver), both started by the first fixture and
 * stopped after the test file. A fresh database and bucket per fixture; reopen = a new pool and new
 * stores over the same database and bucket.
 */
export const makePostgresS3: MakeStores = async () => {
  const pg = await sharedPostgres();
  emulators ??= startEmulators();
  const env = await emulators;
  const name = `contract_${newId().toLowerCase()}`;
  const url = await pg.createDatabase(name);
  const bucket = `contract-${newId().toLowerCase()}`;
  await env.createBucket(bucket);
  const closables: { close(): Promise<void> }[] = [];
  const pools: ReturnType<typeof openPostgresPool>[] = [];
  const pool = () => {
    const opened = openPostgresPool({ url, poolSize: 8 });
    pools.push(opened);
    return opened;
  };
  const open = async (): Promise<StorePair> => {
    const blobs = new S3BlobStore({
      bucket,
      endpoint: env.s3Endpoint,
      region: EMULATOR_REGION,
      forcePathStyle: true,
      checksums: 'when_required',
      credentials: EMULATOR_CREDENTIALS,
      partSize: 5 * 1024 * 1024,
    });
    const shared = pool();
    const items = await PostgresItemStore.open({ pool: shared });
    closables.push(blobs, items);
    return {
      items,
      blobs,
      audit: await PostgresAuditStore.open(shared),
      users: await PostgresUserStore.open(shared),
      lists: await PostgresSenderListStore.open(shared),
      digests: await PostgresDigestStore.open(shared),
      learning: await PostgresLearningStore.open(shared),
      jobs: await PostgresJobStore.open(shared),
    };
  };
  return {
    ...(await open()),
    reopen: open,
    crashingItemStore: async (writes) =>
      PostgresItemStore.open({
        pool: pool(),
        afterItemWrite: (index) => {
          if (index + 1 >= writes) throw new SimulatedCrash();
        },
      }),
    cleanup: async () => {
      for (const each of closables) await each.close();
      for (const each of pools) await each.end();
    },
  };
};
