import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../../src/core/ids.js';
import { type Emulators, startEmulators } from './aws-emulators.js';
import { freshTable } from './dynamo-fixture.js';
import {
  POSTGRES_TEST_PASSWORD,
  POSTGRES_TEST_USER,
  type PostgresCluster,
  startPostgres,
} from './postgres.js';

/** A storage backend set up for `serve` child processes: its environment and a way to make blob writes fail. */
export interface StorageSetup {
  env: Record<string, string>;
  /** Makes every raw-message write fail from now on; answers a function that undoes it. */
  breakBlobWrites(): Promise<() => Promise<void>>;
  cleanup(): Promise<void>;
}

/** How to set a backend up for `serve` children; each row of BACKENDS (test/contract/backends.ts) has one. */
export interface StorageBackend {
  name: string;
  setup(dataDir: string): Promise<StorageSetup>;
}

export const embeddedServe: StorageBackend = {
  name: 'SQLite + files',
  async setup(dataDir) {
    return {
      env: { LAZARET_DATA_DIR: dataDir },
      async breakBlobWrites() {
        // The folder for blobs being written becomes a file.
        const tmpFolder = join(dataDir, 'blobs', 'tmp');
        await rm(tmpFolder, { recursive: true, force: true });
        await writeFile(tmpFolder, 'not a folder');
        return () => rm(tmpFolder, { force: true });
      },
      cleanup: async () => undefined,
    };
  },
};

export const dynamoS3Serve: StorageBackend = {
  name: 'DynamoDB + S3 (dynalite, s3rver)',
  async setup(dataDir) {
    const emulators: Emulators = await startEmulators();
    const table = await freshTable(emulators, 'serve');
    const bucket = `serve-${newId().toLowerCase()}`;
    await emulators.createBucket(bucket);
    return {
      env: { LAZARET_DATA_DIR: dataDir, ...emulators.env(table.table, bucket) },
      breakBlobWrites: () => breakBucket(emulators, bucket),
      async cleanup() {
        await table.drop();
        await emulators.stop();
      },
    };
  },
};

/** Makes every raw-message write to `bucket` fail: the bucket disappears from s3rver's folder (NoSuchBucket). */
async function breakBucket(emulators: Emulators, bucket: string): Promise<() => Promise<void>> {
  const folder = join(emulators.s3Directory, bucket);
  await rename(folder, `${folder}.away`);
  return () => rename(`${folder}.away`, folder);
}

/**
 * A private PostgreSQL cluster (one database) and s3rver (one bucket). The child gets the URL without
 * the password and the password from a file, as docs/postgresql.md sets a node up.
 */
export const postgresS3Serve: StorageBackend = {
  name: 'PostgreSQL + S3 (s3rver)',
  async setup(dataDir) {
    const cluster: PostgresCluster = await startPostgres();
    const emulators: Emulators = await startEmulators();
    try {
      await cluster.createDatabase('lazaret');
      const bucket = `serve-${newId().toLowerCase()}`;
      await emulators.createBucket(bucket);
      const secrets = await mkdtemp(join(tmpdir(), 'lazaret-pg-secret-'));
      const passwordFile = join(secrets, 'password');
      await writeFile(passwordFile, `${POSTGRES_TEST_PASSWORD}\n`, { mode: 0o600 });
      const {
        LAZARET_DYNAMODB_ENDPOINT: _endpoint,
        LAZARET_DYNAMODB_TABLE: _table,
        ...s3
      } = emulators.env('unused', bucket);
      return {
        env: {
          ...s3,
          LAZARET_DATA_DIR: dataDir,
          LAZARET_STORE: 'postgres',
          LAZARET_POSTGRES_URL: `postgres://${POSTGRES_TEST_USER}@127.0.0.1:${cluster.port}/lazaret`,
          LAZARET_POSTGRES_PASSWORD_FILE: passwordFile,
          LAZARET_POSTGRES_POOL_SIZE: '8',
        },
        breakBlobWrites: () => breakBucket(emulators, bucket),
        async cleanup() {
          await rm(secrets, { recursive: true, force: true });
          await emulators.stop();
          await cluster.stop();
        },
      };
    } catch (error) {
      await emulators.stop();
      await cluster.stop();
      throw error;
    }
  },
};
