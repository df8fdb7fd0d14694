import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../src/store/fs/fs-blob-store.js';
import { SqliteBlobStore } from '../../src/store/sqlite/sqlite-blob-store.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { openSqliteThread } from '../../src/store/sqlite/sqlite-thread-client.js';
import { type MakeStores, SimulatedCrash } from './stores.js';

/** The embedded backend as `serve` opens it (the database on its store thread); `inlineMaxBytes` splits blobs between SQLite and files. */
export const makeEmbedded =
  (inlineMaxBytes: number | 'files only'): MakeStores =>
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lazaret-contract-'));
    const dbPath = join(dir, 'lazaret.sqlite');
    const blobRoot = join(dir, 'blobs');
    const opened: { close(): unknown }[] = [];
    const open = async () => {
      const { stores, close } = await openSqliteThread(dbPath, {
        keepsRawInline: inlineMaxBytes !== 'files only',
      });
      const files = new FsBlobStore(blobRoot);
      const blobs =
        inlineMaxBytes === 'files only'
          ? files
          : new SqliteBlobStore(stores.inlineBlobs, files, inlineMaxBytes);
      opened.push(blobs, { close });
      const { inlineBlobs: _, ...pair } = stores;
      return { ...pair, blobs };
    };
    return {
      ...(await open()),
      reopen: async () => open(),
      crashingItemStore: async (writes) =>
        new SqliteItemStore({
          path: dbPath,
          afterItemWrite: (index) => {
            if (index + 1 >= writes) throw new SimulatedCrash();
          },
        }),
      cleanup: async () => {
        for (const store of opened) await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  };

/** SQLite (small blobs inline) + files: the embedded backend pair as `serve` opens it. */
export const makeSqliteFs = makeEmbedded(64 * 1024);
