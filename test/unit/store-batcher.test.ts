import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AdaptiveWindow } from '../../src/actions/bulk/adaptive-window.js';
import { StoreBatcher } from '../../src/actions/bulk/store-batcher.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { buildItems, buildMessage } from '../support/builders.js';

describe('StoreBatcher', () => {
  let dir: string;
  let store: SqliteItemStore;

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function open() {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-batcher-'));
    store = new SqliteItemStore({ path: join(dir, 'items.sqlite') });
    const message = buildMessage({
      envelope: { mailFrom: 'a@x.test', rcptTo: ['a@b.test', 'c@b.test', 'd@b.test'] },
    });
    const items = buildItems(message);
    await store.putMessage(message, items);
    return items;
  }

  const options = { batchSize: 100, concurrency: 1, maxTries: 3, backoffMs: 1, lingerMs: 0 };

  it('sends writes that queued while every store slot was busy with another call', async () => {
    const [item] = await open();
    const batcher = new StoreBatcher(store, { ...options, window: new AdaptiveWindow(8) });
    let finishCall!: () => void;
    const busy = batcher.call(() => new Promise<void>((resolve) => (finishCall = resolve)));
    const at = new Date().toISOString();
    const write = batcher.transition(
      item!.id,
      { status: ['quarantined'], version: 1 },
      { status: 'deleted', at },
    );
    await new Promise((resolve) => setImmediate(resolve));
    finishCall();
    await busy;
    expect(
      await Promise.race([write, new Promise((resolve) => setTimeout(() => resolve('stuck'), 2000))]),
    ).toMatchObject({
      ok: true,
      item: { status: 'deleted' },
    });
  });

  it('coalesces the writes of one turn of the event loop into one store call', async () => {
    const items = await open();
    const batcher = new StoreBatcher(store, { ...options, concurrency: 4, window: new AdaptiveWindow(8) });
    const at = new Date().toISOString();
    const results = await Promise.all(
      items.map((item) =>
        batcher.transition(item.id, { status: ['quarantined'], version: 1 }, { status: 'deleted', at }),
      ),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    expect(batcher.stats.storeCalls).toBe(1);
  });

  it('sends a lone write at once when nothing else is in flight, however long it may linger', async () => {
    const [item] = await open();
    const window = new AdaptiveWindow(8);
    const batcher = new StoreBatcher(store, { ...options, lingerMs: 60_000, window });
    await window.limiter.acquire(1);
    const at = new Date().toISOString();
    const result = await batcher.transition(
      item!.id,
      { status: ['quarantined'], version: 1 },
      { status: 'deleted', at },
    );
    expect(result).toMatchObject({ ok: true, item: { status: 'deleted' } });
  });

  it('lingers for writes of other items in flight and sends once every one of them waits', async () => {
    const items = await open();
    const window = new AdaptiveWindow(8);
    const batcher = new StoreBatcher(store, { ...options, lingerMs: 60_000, window });
    await window.limiter.acquire(items.length);
    const at = new Date().toISOString();
    const write = (item: (typeof items)[number]) =>
      batcher.transition(item.id, { status: ['quarantined'], version: 1 }, { status: 'deleted', at });
    const first = write(items[0]!);
    // The other items arrive later, as after their SMTP transactions.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const rest = items.slice(1).map(write);
    const results = await Promise.all([first, ...rest]);
    expect(results.every((result) => result.ok)).toBe(true);
    expect(batcher.stats.storeCalls).toBe(1);
  });
});
