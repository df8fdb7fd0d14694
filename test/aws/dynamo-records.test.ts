import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuarantineItem } from '../../src/core/types.js';
import type { DynamoConnection } from '../../src/store/dynamodb/dynamo-client.js';
import { DynamoItemStore } from '../../src/store/dynamodb/dynamo-item-store.js';
import { keys } from '../../src/store/dynamodb/table-layout.js';
import { type Emulators, startEmulators } from '../support/aws-emulators.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { type DynamoTable, freshTable } from '../support/dynamo-fixture.js';

const DAY = 86_400;
const epoch = (at: string) => Math.floor(Date.parse(at) / 1000);

describe('DynamoDB records: TTL values and index keys as the layout says', () => {
  let emulators: Emulators;
  let table: DynamoTable;
  let connection: DynamoConnection;
  let store: DynamoItemStore;
  const raw = async (key: Record<string, string>) =>
    (await connection.doc.send(new GetCommand({ TableName: table.table, Key: key }))).Item;

  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(async () => {
    await emulators.stop();
  });
  beforeEach(async () => {
    table = await freshTable(emulators);
    connection = table.connect();
    store = new DynamoItemStore({ connection, ttlGraceDays: 3 });
  });
  afterEach(async () => {
    await table.drop();
  });

  // dynalite never deletes expired records (no TTL at all): the values written are checked here, and
  // retention itself belongs to the purge worker on every backend.
  it('sets ttl to expiry plus the grace days on items, and on the message once all its items expire', async () => {
    const message = buildMessage({
      envelope: { mailFrom: 'a@example.com', rcptTo: ['x@ttl.test', 'y@ttl.test'] },
    });
    const [early, late] = buildItems(message) as [QuarantineItem, QuarantineItem];
    early.expiresAt = '2026-12-01T00:00:00.000Z';
    late.expiresAt = '2026-12-31T00:00:00.000Z';
    await store.putMessage(message, [early, late]);
    expect((await raw(keys.item(early.id)))?.ttl).toBe(epoch(early.expiresAt) + 3 * DAY);
    expect((await raw(keys.item(late.id)))?.ttl).toBe(epoch(late.expiresAt) + 3 * DAY);
    expect((await raw(keys.message(message.id)))?.ttl).toBe(epoch(late.expiresAt) + 3 * DAY);

    const forever = buildMessage({
      envelope: { mailFrom: 'a@example.com', rcptTo: ['x@ttl.test', 'y@ttl.test'] },
    });
    const [kept, expiring] = buildItems(forever) as [QuarantineItem, QuarantineItem];
    expiring.expiresAt = '2026-12-01T00:00:00.000Z';
    await store.putMessage(forever, [kept, expiring]);
    expect((await raw(keys.item(kept.id)))?.ttl).toBeUndefined();
    expect((await raw(keys.message(forever.id)))?.ttl).toBeUndefined();
  });

  it('puts an item in the lease index only while it is releasing, and moves it to the gone range once deleted', async () => {
    const message = buildMessage({ envelope: { mailFrom: 'a@sender.test', rcptTo: ['x@keys.test'] } });
    const [item] = buildItems(message) as [QuarantineItem];
    await store.putMessage(message, [item]);
    const stored = await raw(keys.item(item.id));
    expect(stored).toMatchObject({
      tpk: `T#${item.receivedAt.slice(0, 10)}`,
      rpk: 'R#x@keys.test',
      npk: 'N#keys.test',
      spk: 'S#sender.test',
      lsk: `L#${item.receivedAt}#${item.id}`,
    });
    expect(stored?.xpk).toBeUndefined();

    const at = '2026-11-20T00:00:00.000Z';
    const until = '2026-11-20T00:05:00.000Z';
    await store.transition(
      item.id,
      { status: ['quarantined'] },
      { status: 'releasing', at, lease: { owner: 'n', until } },
    );
    expect(await raw(keys.item(item.id))).toMatchObject({
      xsk: `${until}#${item.id}`,
      xpk: expect.stringMatching(/^X#\d$/),
    });
    await store.transition(item.id, { status: ['releasing'] }, { status: 'quarantined', at, lease: null });
    expect((await raw(keys.item(item.id)))?.xpk).toBeUndefined();

    await store.transition(item.id, { status: ['quarantined'] }, { status: 'deleted', at });
    expect((await raw(keys.item(item.id)))?.lsk).toBe(`G#${item.receivedAt}#${item.id}`);
    expect(
      (await store.listItems({ recipient: 'x@keys.test', statuses: ['deleted'] }, { limit: 5 })).items,
    ).toHaveLength(1);
    expect((await store.listItems({ recipient: 'x@keys.test' }, { limit: 5 })).items).toHaveLength(0);
  });
});
