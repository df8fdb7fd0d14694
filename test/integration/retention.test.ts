import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteItem } from '../../src/actions/delete-item.js';
import type { Reason } from '../../src/core/types.js';
import { type IngestDeps, ingestMessage } from '../../src/ingest/ingest-message.js';
import { createLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { purgeExpired } from '../../src/retention/purge.js';
import { startPurgeWorker } from '../../src/retention/purge-worker.js';
import { FsBlobStore } from '../../src/store/fs/fs-blob-store.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { tempDir } from '../support/env.js';
import { message } from '../support/mail.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

describe('retention: expiry per reason, purge in batches, blobs of unreferenced messages removed', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let items: SqliteItemStore;
  let blobs: FsBlobStore;
  let clock: number;
  let deps: IngestDeps;
  const logger = createLogger('silent');

  beforeEach(async () => {
    dir = await tempDir();
    items = new SqliteItemStore({ path: `${dir.path}/lazaret.sqlite` });
    blobs = new FsBlobStore(`${dir.path}/blobs`);
    clock = T0;
    deps = {
      items,
      blobs,
      logger,
      now: () => new Date(clock),
      retentionDays: { spam: 1, policy: 10, malware: 0, phish: 30, bulk: 30, manual: 30 },
    };
  });
  afterEach(async () => {
    await items.close();
    await dir.cleanup();
  });

  const hold = async (reason: Reason, to: string[], subject: string) =>
    ingestMessage(deps, {
      body: Readable.from([message({ subject })]),
      envelope: { mailFrom: 'a@example.org', rcptTo: to },
      captureVerdict: { action: 'quarantine', reason, score: null, details: {} },
    });

  it('sets expiresAt from the reason, and never for a 0-day reason', async () => {
    const spam = await hold('spam', ['x@example.test'], 's');
    const policy = await hold('policy', ['x@example.test'], 'p');
    const malware = await hold('malware', ['x@example.test'], 'm');
    expect(spam.items[0]!.expiresAt).toBe(new Date(T0 + DAY).toISOString());
    expect(policy.items[0]!.expiresAt).toBe(new Date(T0 + 10 * DAY).toISOString());
    expect(malware.items[0]!.expiresAt).toBeNull();
  });

  it('expires exactly the items past their time and removes only their blobs; a dry run changes nothing', async () => {
    const spam = await hold('spam', ['one@example.test', 'two@example.test'], 'spam');
    const policy = await hold('policy', ['three@example.test'], 'policy');
    const malware = await hold('malware', ['four@example.test'], 'malware');
    for (let n = 0; n < 25; n += 1) await hold('spam', [`bulk${n}@example.test`], `many ${n}`);

    clock = T0 + 2 * DAY;
    const dry = await purgeExpired(deps, { batchSize: 7, dryRun: true });
    expect(dry.expiredItems).toBe(27);
    expect(dry.items.map((item) => item.recipient)).toEqual(
      expect.arrayContaining(['one@example.test', 'two@example.test']),
    );
    expect(dry.messages).toHaveLength(26);
    expect(dry.messages).toContain(spam.message.id);
    expect((await items.getItem(spam.items[0]!.id))!.status).toBe('quarantined');
    expect(await blobs.exists(spam.message.id)).toBe(true);

    const metrics = new Metrics({ defaultMetrics: false });
    const batches: number[] = [];
    const report = await purgeExpired(
      { ...deps, metrics },
      { batchSize: 7, onBatch: (progress) => batches.push(progress.expiredItems) },
    );
    expect(report).toMatchObject({ expiredItems: 27, removedBlobs: 26, skipped: 0 });
    expect(batches.slice(0, 4)).toEqual([7, 14, 21, 27]);
    for (const item of spam.items) expect((await items.getItem(item.id))!.status).toBe('expired');
    expect(await blobs.exists(spam.message.id)).toBe(false);
    expect((await items.getItem(policy.items[0]!.id))!.status).toBe('quarantined');
    expect(await blobs.exists(policy.message.id)).toBe(true);
    expect((await items.getItem(malware.items[0]!.id))!.status).toBe('quarantined');
    expect(await blobs.exists(malware.message.id)).toBe(true);
    const text = await metrics.registry.metrics();
    expect(text).toContain('lazaret_purge_items_total 27');
    expect(text).toContain('lazaret_purge_blobs_total 26');

    // Nothing left to do: a second purge at the same time is a no-op.
    expect(await purgeExpired(deps, { batchSize: 7 })).toMatchObject({ expiredItems: 0, removedBlobs: 0 });

    clock = T0 + 11 * DAY;
    expect(await purgeExpired(deps, { batchSize: 7 })).toMatchObject({ expiredItems: 1, removedBlobs: 1 });
    expect(await blobs.exists(policy.message.id)).toBe(false);
    expect(await blobs.exists(malware.message.id)).toBe(true);
  });

  it('keeps a blob while another recipient’s item still needs it', async () => {
    const mixed = await hold('spam', ['keep@example.test', 'go@example.test'], 'mixed');
    // One copy is deleted; the other still needs the message.
    const [first, second] = mixed.items;
    await items.transition(
      first!.id,
      { status: ['quarantined'] },
      { status: 'deleted', at: new Date(clock).toISOString() },
    );
    expect(await blobs.exists(mixed.message.id)).toBe(true);
    clock = T0 + DAY / 2;
    expect(await purgeExpired(deps, { batchSize: 10 })).toMatchObject({ expiredItems: 0, removedBlobs: 0 });
    expect(await blobs.exists(mixed.message.id)).toBe(true);
    expect((await items.getItem(second!.id))!.status).toBe('quarantined');
  });

  it('finishes what an interrupted purge or a delete left: blobs of messages without live items', async () => {
    const deleted = await hold('spam', ['d@example.test'], 'deleted');
    await deleteItem(deps, deleted.items[0]!.id);
    const crashed = await hold('spam', ['c@example.test'], 'crashed');
    // As if a purge expired the item and died before removing the blob.
    await items.transition(
      crashed.items[0]!.id,
      { status: ['quarantined'] },
      { status: 'expired', at: new Date(clock).toISOString() },
    );
    expect(await blobs.exists(crashed.message.id)).toBe(true);
    const report = await purgeExpired(deps, { batchSize: 10 });
    expect(report.expiredItems).toBe(0);
    expect(report.removedBlobs).toBe(2);
    expect(await blobs.exists(crashed.message.id)).toBe(false);
    expect(await items.listUnreferencedMessages(null, 10)).toEqual([]);
  });

  it('the purge worker inside serve runs one purge at a time and stops cleanly', async () => {
    await hold('spam', ['w@example.test'], 'worker');
    clock = T0 + 3 * DAY;
    const worker = startPurgeWorker(deps, { intervalSeconds: 0, batchSize: 5 });
    await Promise.all([worker.runOnce(), worker.runOnce()]);
    const page = await items.listItems({ statuses: ['expired'] }, { limit: 10 });
    expect(page.items).toHaveLength(1);
    await worker.stop();
  });

  it('lazaret purge --dry-run prints what would go and changes nothing; lazaret purge expires it', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const run = promisify(execFile);
    if (!existsSync(join(root, 'dist', 'cli', 'main.js')))
      await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root });
    // Held long ago by this test's clock (2026-01-01, one day for spam): past its time for the real clock.
    const old = await hold('spam', ['old@example.test'], 'old');
    const kept = await hold('malware', ['kept@example.test'], 'kept');
    await items.close();
    const cli = (...args: string[]) =>
      run(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'purge', ...args], {
        env: { ...process.env, LAZARET_DATA_DIR: dir.path, LAZARET_LOG_LEVEL: 'silent' },
      });
    const dry = await cli('--dry-run');
    expect(dry.stdout).toContain(`would expire ${old.items[0]!.id} old@example.test spam`);
    expect(dry.stdout).toContain(`would remove message ${old.message.id}`);
    expect(dry.stdout).toContain('Dry run: 1 item(s) would expire, 1 raw message(s) would be removed.');
    expect(await blobs.exists(old.message.id)).toBe(true);
    const real = await cli('--batch-size', '1');
    expect(real.stdout).toContain('Expired 1 item(s), removed 1 raw message(s)');
    expect(await blobs.exists(old.message.id)).toBe(false);
    expect(await blobs.exists(kept.message.id)).toBe(true);
    items = new SqliteItemStore({ path: `${dir.path}/lazaret.sqlite` });
    expect((await items.getItem(old.items[0]!.id))!.status).toBe('expired');
    expect((await items.getItem(kept.items[0]!.id))!.status).toBe('quarantined');
  });
});
