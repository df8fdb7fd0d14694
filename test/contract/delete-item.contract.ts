import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteItem } from '../../src/actions/delete-item.js';
import { isLazaretError } from '../../src/core/errors.js';
import type { QuarantineItem } from '../../src/core/types.js';
import { buildItems, buildMessage } from '../support/builders.js';
import type { MakeStores, StoreFixture } from './stores.js';

/** Deleting items over a backend pair: tombstones stay, the raw message goes with its last live item. */
export function deleteItemContract(backend: string, makeStores: MakeStores): void {
  describe(`deleting items: ${backend}`, () => {
    let fixture: StoreFixture;

    beforeEach(async () => {
      fixture = await makeStores();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('removes the raw message only when its last item is deleted', async () => {
      const deps = { ...fixture, logger: pino({ level: 'silent' }), now: () => new Date() };
      const message = buildMessage({
        envelope: { mailFrom: 'a@example.com', rcptTo: ['a@del.test', 'b@del.test'] },
      });
      const [first, second] = buildItems(message) as [QuarantineItem, QuarantineItem];
      await fixture.blobs.put(message.blobKey, Buffer.from('Subject: x\r\n\r\nbody\r\n'));
      await fixture.items.putMessage(message, [first, second]);

      const deleted = await deleteItem(deps, first.id);
      expect(deleted).toMatchObject({ status: 'deleted', version: 2 });
      expect(await fixture.blobs.exists(message.blobKey)).toBe(true);

      await deleteItem(deps, second.id);
      expect(await fixture.blobs.exists(message.blobKey)).toBe(false);
      expect(await fixture.items.getItem(first.id)).toMatchObject({ status: 'deleted' });

      await expect(deleteItem(deps, first.id)).rejects.toSatisfy((error) =>
        isLazaretError(error, 'already_deleted'),
      );
    });
  });
}
