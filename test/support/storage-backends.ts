import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newId } from '../../src/core/ids.js';
import { type Emulators, startEmulators } from './aws-emulators.js';
import { freshTable } from './dynamo-fixture.js';

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
      async breakBlobWrites() {
        // The bucket disappears from s3rver's folder: writes answer NoSuchBucket.
        const folder = join(emulators.s3Directory, bucket);
        await rename(folder, `${folder}.away`);
        return () => rename(`${folder}.away`, folder);
      },
      async cleanup() {
        await table.drop();
        await emulators.stop();
      },
    };
  },
};
