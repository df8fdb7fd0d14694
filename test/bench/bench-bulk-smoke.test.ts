import { describe, expect, it } from 'vitest';
import { runBulk } from '../../bench/cases/bulk.js';

// A tiny run of the bulk benchmark, so that `npm run bench -- --case bulk` never rots. Figures are
// not asserted; every algorithm must have done all its items.
describe('benchmark smoke: bulk', () => {
  it('runs the original algorithms and the engine, each finishing every item', async () => {
    const result = await runBulk({ items: 60, storeLatencyMs: 1, sequential: true });
    expect(result.rows.map((row) => `${row.algorithm}/${row.action}`)).toEqual([
      'sequential loop (original, before)/delete',
      'batches of 50 (original, after)/delete',
      'Lazaret sliding window/delete',
      'batches of 50 (original, after)/delete',
      'Lazaret sliding window/delete',
      'batches of 50 (original, after)/release',
      'Lazaret sliding window/release',
    ]);
    for (const row of result.rows) expect(row.ok).toBe(row.items);
  });
});
