import { describe, expect, it } from 'vitest';
import type { MessageRecord, QuarantineItem } from '../../src/core/types.js';
import type { ItemStore } from '../../src/store/item-store.js';
import { buildItems, buildMessage } from '../support/builders.js';
import type { MakeStores } from './stores.js';

const AT = '2026-01-01T00:00:00.000Z';

function messageRecord(sha256: string): MessageRecord {
  return buildMessage({
    receivedAt: AT,
    size: 10,
    sha256,
    envelope: { mailFrom: 'a@example.org', rcptTo: [] },
  });
}

function item(message: MessageRecord, recipient: string, expiresAt: string | null): QuarantineItem {
  return buildItems(message, [recipient], { expiresAt, score: null, details: {} })[0]!;
}

/** The ItemStore methods added for retention and import (issue 8); run against every backend. */
export const retentionImportContract = (backend: string, makeStores: MakeStores) =>
  describe(`ItemStore: retention and import lookups: ${backend}`, () => {
    const withStores = (test: (items: ItemStore) => Promise<void>) => async () => {
      const stores = await makeStores();
      try {
        await test(stores.items);
      } finally {
        await stores.cleanup();
      }
    };

    it(
      'listExpired: only quarantined/released items at or before now, in expiry order, paged with after',
      withStores(async (items) => {
        const message = messageRecord('a'.repeat(64));
        const early = item(message, 'e1@example.test', '2026-01-02T00:00:00.000Z');
        const exact = item(message, 'e2@example.test', '2026-01-03T00:00:00.000Z');
        const later = item(message, 'e3@example.test', '2026-01-09T00:00:00.000Z');
        const never = item(message, 'e4@example.test', null);
        const gone = item(message, 'e5@example.test', '2026-01-01T12:00:00.000Z');
        const releasing = item(message, 'e6@example.test', '2026-01-01T13:00:00.000Z');
        await items.putMessage(message, [later, exact, early, never, gone, releasing]);
        await items.transition(gone.id, { status: ['quarantined'] }, { status: 'deleted', at: AT });
        await items.transition(releasing.id, { status: ['quarantined'] }, { status: 'releasing', at: AT });
        const now = '2026-01-03T00:00:00.000Z';
        expect((await items.listExpired(now, 10)).map((found) => found.id)).toEqual([early.id, exact.id]);
        const first = await items.listExpired(now, 1);
        expect(first.map((found) => found.id)).toEqual([early.id]);
        const next = await items.listExpired(now, 1, { expiresAt: first[0]!.expiresAt!, id: first[0]!.id });
        expect(next.map((found) => found.id)).toEqual([exact.id]);
        await items.transition(early.id, { status: ['quarantined'] }, { status: 'releasing', at: AT });
        expect((await items.listExpired(now, 10)).map((found) => found.id)).toEqual([exact.id]);
        await items.transition(early.id, { status: ['releasing'] }, { status: 'released', at: AT });
        expect((await items.listExpired(now, 10)).map((found) => found.id)).toEqual([early.id, exact.id]);
        await items.transition(early.id, { status: ['released'] }, { status: 'expired', at: AT });
        expect((await items.listExpired(now, 10)).map((found) => found.id)).toEqual([exact.id]);
      }),
    );

    it(
      'findImportedRecipients: recipients with an item of a message with these bytes, any status',
      withStores(async (items) => {
        const sha = 'b'.repeat(64);
        const message = messageRecord(sha);
        const kept = item(message, 'kept@example.test', null);
        const deleted = item(message, 'deleted@example.test', null);
        await items.putMessage(message, [kept, deleted]);
        await items.transition(deleted.id, { status: ['quarantined'] }, { status: 'deleted', at: AT });
        const found = await items.findImportedRecipients(sha, [
          'kept@example.test',
          'DELETED@example.test',
          'new@example.test',
        ]);
        expect([...found].sort()).toEqual(['deleted@example.test', 'kept@example.test']);
        expect(await items.findImportedRecipients('c'.repeat(64), ['kept@example.test'])).toEqual(new Set());
      }),
    );

    it(
      'listUnreferencedMessages and markBlobsRemoved: messages no live item needs, until marked',
      withStores(async (items) => {
        const live = messageRecord('d'.repeat(64));
        const dead = messageRecord('e'.repeat(64));
        const half = messageRecord('f'.repeat(64));
        const liveItem = item(live, 'l@example.test', null);
        const deadItem = item(dead, 'd@example.test', null);
        const halfItems = [item(half, 'h1@example.test', null), item(half, 'h2@example.test', null)];
        await items.putMessage(live, [liveItem]);
        await items.putMessage(dead, [deadItem]);
        await items.putMessage(half, halfItems);
        await items.transition(deadItem.id, { status: ['quarantined'] }, { status: 'expired', at: AT });
        await items.transition(halfItems[0]!.id, { status: ['quarantined'] }, { status: 'deleted', at: AT });
        expect(await items.listUnreferencedMessages(null, 10)).toEqual([
          { id: dead.id, blobKey: dead.blobKey },
        ]);
        await items.transition(
          halfItems[1]!.id,
          { status: ['quarantined'] },
          { status: 'releasing', at: AT },
        );
        await items.transition(halfItems[1]!.id, { status: ['releasing'] }, { status: 'released', at: AT });
        expect((await items.listUnreferencedMessages(null, 10)).map((found) => found.id)).toEqual([dead.id]);
        await items.transition(halfItems[1]!.id, { status: ['released'] }, { status: 'deleted', at: AT });
        const both = await items.listUnreferencedMessages(null, 10);
        expect(both.map((found) => found.id)).toEqual([dead.id, half.id].sort());
        expect(await items.listUnreferencedMessages(both[0]!.id, 10)).toEqual([both[1]]);
        expect(await items.listUnreferencedMessages(null, 1)).toEqual([both[0]]);
        expect(await items.markBlobsRemoved([dead.id, 'unknown-id', dead.id], AT)).toBe(1);
        expect(await items.markBlobsRemoved([dead.id], AT)).toBe(0);
        expect((await items.listUnreferencedMessages(null, 10)).map((found) => found.id)).toEqual([half.id]);
      }),
    );
  });
