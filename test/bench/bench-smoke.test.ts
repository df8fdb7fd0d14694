import { describe, expect, it } from 'vitest';
import { runIngest } from '../../bench/cases/ingest.js';
import { runListSearch } from '../../bench/cases/list-search.js';
import { postfixUnavailable } from '../../bench/lib/postfix-instance.js';
import { missingPrograms, STRICT } from '../support/env.js';
import { postgresAvailable } from '../support/postgres.js';

const postfixSkipped = postfixUnavailable();
if (postfixSkipped) {
  if (STRICT)
    throw new Error(`LAZARET_TEST_STRICT=1 and the bench Postfix rows cannot run: ${postfixSkipped}`);
  process.stderr.write(`SKIPPED bench ingest smoke, Postfix hold queue row: ${postfixSkipped}\n`);
}

// A tiny run of each benchmark case, so that `npm run bench` never rots. Figures are not asserted:
// speed is measured by `npm run bench`, not by tests.
describe('benchmark smoke', () => {
  it('list-search seeds, queries and reports a row per query', async () => {
    const result = await runListSearch({ items: 500, samples: 2 });
    expect(result.rows.length).toBeGreaterThanOrEqual(8);
    for (const row of result.rows) expect(Number.isFinite(row['first p95 ms'])).toBe(true);
  });

  it.runIf(postgresAvailable('bench list-search smoke on PostgreSQL'))(
    'list-search on PostgreSQL seeds, queries and reports a row per query',
    async () => {
      const result = await runListSearch({ items: 500, samples: 2, store: 'postgres' });
      expect(result.case).toBe('list-search-postgres');
      expect(result.rows.length).toBeGreaterThanOrEqual(8);
      for (const row of result.rows) expect(Number.isFinite(row['first p95 ms'])).toBe(true);
    },
  );

  const postfixMissing = missingPrograms('bench ingest smoke', ['smtp-sink', 'smtp-source']);
  it.skipIf(postfixMissing.length > 0)(
    'ingest compares Lazaret with smtp-sink, the Node ceiling, Postfix hold queue and Postfix with Lazaret as milter, and finds every message stored',
    async () => {
      const result = await runIngest({ messages: 40, sessions: 2, bytes: 1024 });
      expect(result.rows.map((row) => row.receiver)).toEqual([
        'smtp-sink (discards)',
        'Node ceiling (smtp-server, drain only)',
        ...(postfixSkipped
          ? []
          : [
              'Postfix hold queue (fsync before 250)',
              'Postfix hold queue + Lazaret milter, all pass',
              'Postfix + Lazaret milter, all held (commit, DISCARD)',
            ]),
        'Lazaret capture (fsync + commit before 250)',
      ]);
      for (const row of result.rows) {
        expect(Number.isFinite(row['vs smtp-sink'])).toBe(true);
        expect(Number.isFinite(row['vs Node ceiling'])).toBe(true);
        if (!postfixSkipped) expect(Number.isFinite(row['vs Postfix hold'])).toBe(true);
      }
    },
  );
});
