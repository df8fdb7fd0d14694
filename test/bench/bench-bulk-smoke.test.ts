import { describe, expect, it } from 'vitest';
import { runBulk } from '../../bench/cases/bulk.js';
import { postgresAvailable } from '../support/postgres.js';

// A tiny run of the bulk benchmark, so that `npm run bench -- --case bulk` never rots. Figures are
// not asserted; the case itself fails when an algorithm leaves an item undone.
describe('benchmark smoke: bulk', () => {
  it('runs the three algorithms for delete and release on SQLite and DynamoDB, with and without latency', async () => {
    const result = await runBulk({
      sizes: [20],
      latenciesMs: [0, 1],
      stores: ['sqlite', 'dynamodb'],
      actions: ['delete', 'release'],
      sequentialCap: 10,
    });
    expect(
      result.rows.map((row) => `${row.store}/${row.action}/${row['latency ms']}/${row['sequential on']}`),
    ).toEqual([
      'SQLite/delete/0/10',
      'SQLite/delete/1/10',
      'SQLite/release/0/10',
      'SQLite/release/1/10',
      'DynamoDB (dynalite)/delete/0/10',
      'DynamoDB (dynalite)/delete/1/10',
      'DynamoDB (dynalite)/release/0/10',
      'DynamoDB (dynalite)/release/1/10',
    ]);
    for (const row of result.rows) expect(Number.isFinite(row['engine ÷ batches'])).toBe(true);
  }, 60_000);
});

describe.runIf(postgresAvailable('benchmark smoke: bulk on PostgreSQL'))(
  'benchmark smoke: bulk on PostgreSQL',
  () => {
    it('runs the three algorithms for delete and release on a private PostgreSQL server', async () => {
      const result = await runBulk({
        sizes: [20],
        latenciesMs: [0],
        stores: ['postgres'],
        actions: ['delete', 'release'],
        sequentialCap: 10,
      });
      expect(result.rows.map((row) => `${row.store}/${row.action}`)).toEqual([
        'PostgreSQL (local server)/delete',
        'PostgreSQL (local server)/release',
      ]);
      for (const row of result.rows) expect(Number.isFinite(row['engine ÷ batches'])).toBe(true);
    }, 60_000);
  },
);
