import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDelete } from '../../bench/cases/delete-100k.js';
import { runListSearchApi } from '../../bench/cases/list-search-api.js';
import { runMemory } from '../../bench/cases/memory.js';
import { runReleaseE2e } from '../../bench/cases/release-e2e.js';
import { runScaling, SCALING_CHARTS, SCALING_REQUESTS } from '../../bench/cases/scaling.js';
import { postfixUnavailable } from '../../bench/lib/postfix-instance.js';
import { missingPrograms, STRICT, tempDir } from '../support/env.js';
import { readSvgChart } from '../support/svg-chart.js';

const postfixSkipped = postfixUnavailable();
if (postfixSkipped) {
  if (STRICT)
    throw new Error(`LAZARET_TEST_STRICT=1 and the bench Postfix rows cannot run: ${postfixSkipped}`);
  process.stderr.write(`SKIPPED bench release-e2e smoke, Postfix release row: ${postfixSkipped}\n`);
}

// Tiny runs of the benchmark cases that drive a `lazaret serve` child, so that they never rot.
// Figures are not asserted; each case fails by itself when a job leaves an item undone.
describe('benchmark smoke: cases over a serve process', () => {
  it('delete-100k deletes every seeded item with one job, for both layouts of the store, and reports its time', async () => {
    const result = await runDelete({ items: 50 });
    expect(result.rows.map((row) => row['items in the store'])).toEqual([
      'stored as received',
      'received at random times',
    ]);
    for (const row of result.rows) {
      expect(row.items).toBe(50);
      expect(Number(row['peak RSS MiB'])).toBeGreaterThan(0);
    }
  }, 90_000);

  it('list-search-api times every request the web UI makes for the list, each answering 200', async () => {
    const result = await runListSearchApi({ items: 400, samples: 1 });
    const byName = Object.fromEntries(result.rows.map((row) => [row.request, row]));
    expect(byName['list, first page']!['items or count']).toBe(200);
    expect(byName['count as the list shows it']!['items or count']).toBe(400);
    expect(byName['count, no search']!['items or count']).toBe(400);
    expect(byName['q= text (rare: one message)']!['items or count']).toBe(2);
    expect(byName['user: count of default view']!['items or count']).toBeGreaterThan(0);
  }, 60_000);

  const postfixMissing = missingPrograms('bench release-e2e and memory smoke', ['smtp-sink', 'smtp-source']);
  it.skipIf(postfixMissing.length > 0)(
    'release-e2e releases every message to smtp-sink and compares with smtp-source, the relay alone and Postfix',
    async () => {
      const result = await runReleaseE2e({ messages: 30, connections: 2, bytes: 5120 });
      expect(result.rows.map((row) => row.sender)).toEqual([
        'smtp-source → smtp-sink (one SMTP hop)',
        'relay alone (from memory) → smtp-sink',
        ...(postfixSkipped ? [] : ['Postfix release from hold queue → smtp-sink']),
        'Lazaret release job → smtp-sink',
      ]);
      for (const row of result.rows) {
        expect(Number.isFinite(row['vs smtp-source'])).toBe(true);
        expect(Number.isFinite(row['vs relay alone'])).toBe(true);
        if (!postfixSkipped) expect(Number.isFinite(row['vs Postfix release'])).toBe(true);
      }
    },
    60_000,
  );

  it.skipIf(postfixMissing.length > 0)(
    'memory reads the peak RSS of serve during a release job and a large message',
    async () => {
      const result = await runMemory({ releaseItems: 30, ingestBytes: 200_000 });
      expect(result.rows).toHaveLength(2);
      for (const row of result.rows) {
        expect(Number(row['peak RSS MiB'])).toBeGreaterThanOrEqual(Number(row['peak RSS after start MiB']));
      }
    },
    60_000,
  );

  it.skipIf(postfixMissing.length > 0)(
    'scaling measures ingest and the list at each stored size and both jobs at each job size, and draws its three charts',
    async () => {
      const charts = await tempDir('lazaret-bench-charts-');
      try {
        const result = await runScaling({
          stored: [200, 400],
          jobs: [20, 40],
          ingestMessages: 20,
          sessions: 2,
          bytes: 1024,
          samples: 1,
          connections: 2,
          chartsDir: charts.path,
          runLabel: 'bench smoke test',
        });
        expect(result.rows.map((row) => `${row.curve} ${row.items}`)).toEqual([
          'items stored 200',
          'items stored 400',
          'job size 20',
          'job size 40',
        ]);
        for (const row of result.rows.slice(0, 2)) {
          expect(Number.isFinite(row['ingest msgs/s'])).toBe(true);
          for (const request of SCALING_REQUESTS)
            expect(Number.isFinite(row[`p95 ms: ${request}`])).toBe(true);
        }
        for (const row of result.rows.slice(2)) {
          expect(Number.isFinite(row['release items/s'])).toBe(true);
          expect(Number.isFinite(row['delete items/s'])).toBe(true);
        }
        const [ingest, list, jobs] = SCALING_CHARTS.map((file) =>
          readSvgChart(readFileSync(join(charts.path, file), 'utf8')),
        );
        expect(ingest!.points).toBe(2);
        expect(list!.points).toBe(2 * SCALING_REQUESTS.length);
        expect(jobs!.points).toBe(4);
        expect(jobs!.series).toEqual(['release job (to smtp-sink)', 'delete job']);
      } finally {
        await charts.cleanup();
      }
    },
    // Six serve children (two stores, two jobs of each kind): about 20 s on an idle 2-core machine.
    120_000,
  );
});
