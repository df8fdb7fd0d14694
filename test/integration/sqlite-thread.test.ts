import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { migrate } from '../../src/store/sqlite/sqlite-database.js';
import { openSqliteThread, type SqliteThread } from '../../src/store/sqlite/sqlite-thread-client.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { tempDir } from '../support/env.js';

const CLIENT = fileURLToPath(new URL('../../src/store/sqlite/sqlite-thread-client.ts', import.meta.url));

/** What a call that is still waiting looks like, read without waiting for it. */
const settled = (promise: Promise<unknown>) => {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  promise.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  return () => state;
};

describe('the embedded store on its own thread', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let path: string;
  let thread: SqliteThread | undefined;

  beforeEach(async () => {
    dir = await tempDir('lazaret-store-thread-');
    path = join(dir.path, 'lazaret.sqlite');
  });
  afterEach(async () => {
    await thread?.close();
    thread = undefined;
    await dir.cleanup();
  });

  it('answers what the stores answer, values and errors alike: the error keeps its class, code and details', async () => {
    thread = await openSqliteThread(path);
    const message = buildMessage();
    const items = buildItems(message, ['a@example.org', 'b@example.org']);
    await thread.stores.items.putMessage(message, items);
    const found = await thread.stores.items.getItems(items.map((item) => item.id));
    expect(found).toBeInstanceOf(Map);
    expect(found.get(items[0]!.id)).toEqual(items[0]);

    const refused = await thread.stores.items
      .listItems({}, { limit: 10, cursor: 'not-a-cursor' })
      .catch((e) => e);
    expect(isLazaretError(refused, 'bad_cursor')).toBe(true);

    const duplicate = await thread.stores.items.putMessage(message, items).catch((e) => e);
    expect(isLazaretError(duplicate, 'store_error')).toBe(true);
    expect((duplicate as Error).message).toMatch(/UNIQUE constraint failed/);
    expect(((duplicate as Error).cause as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
  });

  it('keeps raw bytes byte for byte across the thread', async () => {
    thread = await openSqliteThread(path);
    const bytes = Buffer.from([0, 1, 2, 255, 13, 10, 46, 13, 10]);
    await thread.stores.inlineBlobs.put('01K00000000000000000000000', bytes);
    const read = await thread.stores.inlineBlobs.get('01K00000000000000000000000');
    expect(Buffer.from(read!).equals(bytes)).toBe(true);
    expect(await thread.stores.inlineBlobs.removeMany(['01K00000000000000000000000', 'absent'])).toEqual([
      'absent',
    ]);
  });

  it('refuses to start on a data dir a newer version wrote, with the reason', async () => {
    const db = new Database(path);
    db.exec(
      'CREATE TABLE schema_migrations (name TEXT NOT NULL, step INTEGER NOT NULL, PRIMARY KEY (name, step)) STRICT',
    );
    migrate(db, { name: 'items', steps: Array.from({ length: 99 }, () => 'SELECT 1') });
    db.close();
    const refused = await openSqliteThread(path).catch((e) => e);
    expect(isLazaretError(refused, 'store_error')).toBe(true);
    expect((refused as Error).message).toMatch(/written by a newer Lazaret/);
  });

  it('after close, every call is refused with store_error and nothing waits for an answer', async () => {
    thread = await openSqliteThread(path);
    await thread.close();
    await thread.close();
    const refused = await thread.stores.users.hasUsers().catch((e) => e);
    expect(isLazaretError(refused, 'store_error')).toBe(true);
    expect((refused as Error).message).toMatch(/store thread has ended/);
  });

  it('the caller’s event loop keeps turning while the store thread waits for a write lock another process holds', async () => {
    thread = await openSqliteThread(path);
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const message = buildMessage();
      const write = thread.stores.items.putMessage(message, buildItems(message));
      const state = settled(write);
      // The write waits for the lock on the store thread (busy_timeout); here the loop turns on.
      for (let turn = 0; turn < 50; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      expect(state()).toBe('pending');
      holder.exec('COMMIT');
      await write;
      expect(await thread.stores.items.getMessage(message.id)).toEqual(message);
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('does not keep a process alive once no call is waiting', async () => {
    const script = `
      import { openSqliteThread } from ${JSON.stringify(CLIENT)};
      const thread = await openSqliteThread(${JSON.stringify(path)});
      console.log(await thread.stores.users.hasUsers());
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 30_000 },
    );
    expect(stdout.trim()).toBe('false');
  });
});
