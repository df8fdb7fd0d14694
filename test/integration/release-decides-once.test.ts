import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as policy from '../../src/auth/access-policy.js';
import { makeSqliteFs } from '../contract/sqlite-fs.stores.js';
import { admin, domainAdmin } from '../support/builders.js';
import { BulkHarness } from '../support/bulk-harness.js';

/** Every call into the access policy from outside it, by function name. */
const calls: string[] = [];

vi.mock('../../src/auth/access-policy.js', async (importOriginal) => {
  const real = await importOriginal<typeof policy>();
  const counted = Object.fromEntries(
    Object.entries(real).map(([name, value]) => [
      name,
      typeof value === 'function'
        ? (...args: unknown[]) => {
            calls.push(name);
            return (value as (...args: unknown[]) => unknown)(...args);
          }
        : value,
    ]),
  );
  return counted;
});

describe('a single release asks the access policy once', () => {
  let harness: BulkHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('reads the item once and decides once, also when refused', async () => {
    harness = await new BulkHarness(makeSqliteFs).start();
    const [message] = await harness.seed(1, () => ['ann@corp.test']);
    const id = message!.items[0]!.id;

    calls.length = 0;
    const released = await harness.context.actions.release({ actor: admin }, id);
    expect(released.status).toBe('released');
    expect(calls).toEqual(['decideItem']);

    calls.length = 0;
    await expect(
      harness.context.actions.release({ actor: domainAdmin('other.test') }, id),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(calls).toEqual(['decideItem']);
  });
});
