import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import type { QuarantineItem } from '../../src/core/types.js';
import { DynamoItemStore } from '../../src/store/dynamodb/dynamo-item-store.js';
import { type Emulators, startEmulators } from '../support/aws-emulators.js';
import { injectThrottling } from '../support/aws-faults.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { type DynamoTable, freshTable } from '../support/dynamo-fixture.js';
import { seededRandom } from '../support/seeded-random.js';

describe('DynamoDB throttling (dynalite never throttles; ProvisionedThroughputExceededException is injected)', () => {
  let emulators: Emulators;
  let table: DynamoTable;

  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(async () => {
    await emulators.stop();
  });
  beforeEach(async () => {
    table = await freshTable(emulators);
  });
  afterEach(async () => {
    await table.drop();
  });

  it('completes every call through a burst of throttling, losing and doubling nothing', async () => {
    const random = seededRandom(6);
    const open = () => {
      const connection = table.connect({ maxAttempts: 10 });
      const injected = injectThrottling(connection.client, { share: 0.25, random, limit: 12 });
      return { store: new DynamoItemStore({ connection }), injected, connection };
    };
    const nodeA = open();
    const nodeB = open();

    const messages = Array.from({ length: 12 }, (_, index) =>
      buildMessage({
        receivedAt: `2026-11-0${1 + (index % 3)}T10:00:${String(index).padStart(2, '0')}.000Z`,
        envelope: { mailFrom: 'a@example.com', rcptTo: [`x${index}@t.test`, `y${index}@t.test`] },
      }),
    );
    const items = messages.flatMap((message) => buildItems(message));
    await Promise.all(
      messages.map((message, index) =>
        (index % 2 === 0 ? nodeA : nodeB).store.putMessage(
          message,
          items.filter((item) => item.messageId === message.id),
        ),
      ),
    );

    const listed: QuarantineItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await nodeA.store.listItems({}, { limit: 7, cursor });
      listed.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(listed.map((item) => item.id).sort()).toEqual(items.map((item) => item.id).sort());

    // Both nodes claim every item at once: each item is won exactly once.
    const at = '2026-11-20T00:00:00.000Z';
    const claims = await Promise.all(
      items.flatMap((item) =>
        [nodeA, nodeB].map((node, index) =>
          node.store.transition(
            item.id,
            { status: ['quarantined'], version: 1 },
            { status: 'releasing', at, lease: { owner: `node-${index}`, until: at } },
          ),
        ),
      ),
    );
    expect(claims.filter((claim) => claim.ok)).toHaveLength(items.length);
    const stored = await nodeB.store.getItems(items.map((item) => item.id));
    expect([...stored.values()].every((item) => item.status === 'releasing' && item.version === 2)).toBe(
      true,
    );

    const injected = nodeA.injected.injected + nodeB.injected.injected;
    expect(injected).toBe(24);
    // Every throttled attempt reached the overload signal, retried ones included.
    expect(nodeA.connection.throttle.count + nodeB.connection.throttle.count).toBe(injected);
  });

  it('fails with store_throttled once the attempts are used up, and tells the throttle listeners', async () => {
    const connection = table.connect({ maxAttempts: 2 });
    injectThrottling(connection.client, { share: 1 });
    const heard: string[] = [];
    connection.throttle.onThrottle((event) => heard.push(event.operation));
    const store = new DynamoItemStore({ connection });
    await expect(store.getItem('01JB0000000000000000000000')).rejects.toSatisfy((error) =>
      isLazaretError(error, 'store_throttled'),
    );
    expect(heard).toEqual(['GetItemCommand', 'GetItemCommand']);
  });
});
