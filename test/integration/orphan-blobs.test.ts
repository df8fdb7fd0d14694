import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { openStores, type Stores } from '../../src/store/open-stores.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { tempDir, testConfig } from '../support/env.js';

const HOUR = 3_600_000;

describe('embedded store: the blob sweep removes raw messages a crash left without a message', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let stores: Stores;

  beforeEach(async () => {
    dir = await tempDir();
    stores = await openStores(
      testConfig({ LAZARET_DATA_DIR: dir.path, LAZARET_BLOBS_INLINE_MAX_BYTES: 1024 }),
      { logger: createLogger('silent') },
    );
  });
  afterEach(async () => {
    await stores.close();
    await dir.cleanup();
  });

  it('removes old orphans inline and as files and stale temporary files; keeps named and recent blobs', async () => {
    const now = Date.now();
    const old = (offset: number) => ulid(now - 2 * HOUR - offset);
    const small = Buffer.from('small raw message\r\n');
    const large = Buffer.alloc(4096, 'x');
    const orphans = [old(1), old(2)];
    await stores.blobs.put(orphans[0]!, small);
    await stores.blobs.put(orphans[1]!, large);
    const named = buildMessage({ id: old(3) });
    await stores.blobs.put(named.id, large);
    await stores.items.putMessage(named, buildItems(named));
    const recent = ulid(now);
    await stores.blobs.put(recent, small);
    const tmp = join(dir.path, 'blobs', 'tmp');
    const stale = join(tmp, `${old(4)}.abc.tmp`);
    await writeFile(stale, 'cut off');
    const past = new Date(now - 2 * HOUR);
    await utimes(stale, past, past);
    await writeFile(join(tmp, `${recent}.def.tmp`), 'being written');

    const report = await stores.maintenance!.run(new Date(now));
    expect(report).toMatchObject({ orphanBlobs: 2, staleTemp: 1 });
    for (const key of orphans) expect(await stores.blobs.exists(key)).toBe(false);
    expect(await stores.blobs.exists(named.id)).toBe(true);
    expect(await stores.blobs.exists(recent)).toBe(true);
    expect(await readdir(tmp)).toEqual([`${recent}.def.tmp`]);
    expect(await stores.maintenance!.run(new Date(now))).toMatchObject({ orphanBlobs: 0, staleTemp: 0 });
  });
});
