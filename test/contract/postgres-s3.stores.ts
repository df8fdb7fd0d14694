import type pg from 'pg';
import { afterAll } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { openPostgresStores } from '../../src/store/postgres/open-postgres-stores.js';
import { openPostgresPool } from '../../src/store/postgres/postgres-connection.js';
import { PostgresItemStore } from '../../src/store/postgres/postgres-item-store.js';
import { S3BlobStore } from '../../src/store/s3/s3-blob-store.js';
import {
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  type Emulators,
  startEmulators,
} from '../support/aws-emulators.js';
import { type PostgresCluster, startPostgres } from '../support/postgres.js';
import { type MakeStores, SimulatedCrash, type StorePair } from './stores.js';

let sharedCluster: Promise<PostgresCluster> | undefined;
let emulators: Promise<Emulators> | undefined;
afterAll(async () => {
  if (sharedCluster) await (await sharedCluster).stop();
  if (emulators) await (await emulators).stop();
});

/** The private cluster of this test file, started by the first caller. */
export function sharedPostgres(): Promise<PostgresCluster> {
  sharedCluster ??= startPostgres();
  return sharedCluster;
}

/**
 * PostgreSQL (a private cluster per test file) + S3 (s3rver), both started by the first fixture and
 * stopped after the test file. A fresh database and bucket per fixture; reopen = a new pool and new
 * stores over the same database and bucket.
 */
export const makePostgresS3: MakeStores = async () => {
  const cluster = await sharedPostgres();
  emulators ??= startEmulators();
  const env = await emulators;
  const name = `contract_${newId().toLowerCase()}`;
  const url = await cluster.createDatabase(name);
  const bucket = `contract-${newId().toLowerCase()}`;
  await env.createBucket(bucket);
  const closables: { close(): Promise<void> }[] = [];
  const crashPools: pg.Pool[] = [];
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
    const { pool: _pool, close, ...stores } = await openPostgresStores({ url, poolSize: 8 });
    closables.push(blobs, { close });
    return { ...stores, blobs };
  };
  return {
    ...(await open()),
    reopen: open,
    crashingItemStore: async (writes) => {
      const pool = openPostgresPool({ url, poolSize: 2 });
      crashPools.push(pool);
      return PostgresItemStore.open({
        pool,
        afterItemWrite: (index) => {
          if (index + 1 >= writes) throw new SimulatedCrash();
        },
      });
    },
    cleanup: async () => {
      for (const each of closables) await each.close();
      for (const each of crashPools) await each.end();
    },
  };
};
