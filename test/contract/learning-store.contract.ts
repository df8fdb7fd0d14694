import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import type { LearningStore, LearnTask } from '../../src/store/learning-store.js';
import type { MakeStores, StoreFixture } from './stores.js';

function task(overrides: Partial<LearnTask> = {}): LearnTask {
  return {
    id: newId(),
    itemId: newId(),
    messageId: newId(),
    kind: 'ham',
    requestedBy: 'alice@corp.test',
    createdAt: '2026-11-20T10:00:00.000Z',
    state: 'pending',
    attempts: 0,
    nextAttemptAt: '2026-11-20T10:00:00.000Z',
    lastError: null,
    owner: null,
    version: 1,
    ...overrides,
  };
}

/** The learning queue behaves alike on every backend; tested only through the interface. */
export function learningStoreContract(backend: string, makeStores: MakeStores): void {
  describe(`LearningStore contract: ${backend}`, () => {
    let fixture: StoreFixture;
    let learning: LearningStore;

    beforeEach(async () => {
      fixture = await makeStores();
      learning = fixture.learning;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('keeps tasks and answers the due pending ones, longest due first', async () => {
      const later = task({ nextAttemptAt: '2026-11-20T10:05:00.000Z' });
      const sooner = task({ nextAttemptAt: '2026-11-20T10:01:00.000Z', kind: 'spam' });
      const future = task({ nextAttemptAt: '2026-11-20T11:00:00.000Z' });
      const failed = task({ nextAttemptAt: '2026-11-20T09:00:00.000Z', state: 'failed' });
      for (const each of [later, sooner, future, failed]) await learning.addLearnTask(each);
      expect(await learning.getLearnTask(sooner.id)).toEqual(sooner);
      expect(await learning.getLearnTask(newId())).toBeNull();
      const due = await learning.listDueLearnTasks('2026-11-20T10:30:00.000Z', 10);
      expect(due.map((each) => each.id)).toEqual([sooner.id, later.id]);
      expect(await learning.listDueLearnTasks('2026-11-20T10:30:00.000Z', 1)).toEqual([sooner]);
      expect(
        await (await fixture.reopen()).learning.listDueLearnTasks('2026-11-20T10:00:30.000Z', 10),
      ).toEqual([]);
    });

    it('writes and removes only on the expected version; one of two racing writers wins', async () => {
      const added = task();
      await learning.addLearnTask(added);
      const other = (await fixture.reopen()).learning;
      const taken = await Promise.all(
        [learning, other].map((store, index) =>
          store.writeLearnTask(
            { ...added, owner: `node-${index}`, attempts: 1, nextAttemptAt: '2026-11-20T10:10:00.000Z' },
            1,
          ),
        ),
      );
      expect(taken.filter((each) => each !== null)).toHaveLength(1);
      const winner = taken.find((each) => each !== null)!;
      expect(winner.version).toBe(2);
      expect(await learning.getLearnTask(added.id)).toEqual(winner);
      // Taking it moved it out of the due list until its attempt's end.
      expect(await learning.listDueLearnTasks('2026-11-20T10:09:00.000Z', 10)).toEqual([]);
      expect(await learning.writeLearnTask({ ...winner, state: 'failed' }, 1)).toBeNull();
      expect(await learning.removeLearnTask(added.id, 1)).toBe(false);
      expect(await learning.removeLearnTask(added.id, 2)).toBe(true);
      expect(await learning.removeLearnTask(added.id, 2)).toBe(false);
      expect(await learning.writeLearnTask(winner, 2)).toBeNull();
      expect(await learning.getLearnTask(added.id)).toBeNull();
    });

    it('lists tasks by state and item, newest first, page by page', async () => {
      const itemId = newId();
      const made = [task({ itemId }), task({ state: 'failed' }), task({ itemId, kind: 'spam' }), task()];
      for (const each of made) await learning.addLearnTask(each);
      const ids = async (filter: Parameters<LearningStore['listLearnTasks']>[0]) =>
        (await learning.listLearnTasks(filter, { limit: 50 })).items.map((each) => each.id);
      expect(await ids({ itemId })).toEqual([made[2]!.id, made[0]!.id]);
      expect(await ids({ state: 'failed' })).toEqual([made[1]!.id]);
      const first = await learning.listLearnTasks({}, { limit: 3 });
      const rest = await learning.listLearnTasks({}, { limit: 3, cursor: first.nextCursor! });
      expect([...first.items, ...rest.items].map((each) => each.id)).toEqual(
        made.map((each) => each.id).reverse(),
      );
      expect(rest.nextCursor).toBeNull();
    });
  });
}
