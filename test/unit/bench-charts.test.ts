import { describe, expect, it } from 'vitest';
import { runScaling, SCALING_CHARTS, SCALING_REQUESTS, scalingCharts } from '../../bench/cases/scaling.js';
import { type LineChart, renderLineChart } from '../../bench/lib/charts.js';
import { readSvgChart } from '../support/svg-chart.js';

const chart: LineChart = {
  file: 'test.svg',
  title: 'Ingest rate by items already stored',
  subtitle: 'a unit test',
  xTitle: 'items stored (log scale)',
  yTitle: 'ingest (msgs/s)',
  points: [
    { series: 'Lazaret capture', x: 10_000, y: 900 },
    { series: 'Lazaret capture', x: 100_000, y: 850 },
    { series: 'Lazaret capture', x: 1_000_000, y: 700 },
    { series: 'Postfix hold queue', x: 10_000, y: 1200 },
    { series: 'Postfix hold queue', x: 100_000, y: 1150 },
  ],
};

describe('bench charts (bench/lib/charts.ts: Vega-Lite rendered to SVG)', () => {
  it('draws one line per series with a point per measurement, axis titles and the title', async () => {
    const drawn = readSvgChart(await renderLineChart(chart));
    expect(drawn.title).toBe('Ingest rate by items already stored');
    expect(drawn.axisTitles).toEqual(['items stored (log scale)', 'ingest (msgs/s)']);
    expect(drawn.series).toEqual(['Lazaret capture', 'Postfix hold queue']);
    expect(drawn.lines).toBe(2);
    expect(drawn.points).toBe(5);
    expect(drawn.pointLabels).toContain(
      'x: 1M; y: 700; series: Lazaret capture; items stored (log scale): 1000000; ingest (msgs/s): 700.0',
    );
  });

  it('puts the item counts on a log axis, and the y axis on a log scale only when asked', async () => {
    const linear = await renderLineChart(chart);
    expect(linear).toMatch(/aria-label="X-axis titled 'items stored \(log scale\)' for a log scale/);
    expect(linear).toMatch(/aria-label="Y-axis titled 'ingest \(msgs\/s\)' for a linear scale/);
    const log = await renderLineChart({ ...chart, logY: true });
    expect(log).toMatch(/aria-label="Y-axis titled 'ingest \(msgs\/s\)' for a log scale/);
  });

  it('refuses a chart without points', async () => {
    await expect(renderLineChart({ ...chart, points: [] })).rejects.toThrow('chart test.svg: no points');
  });

  it("draws the scaling case's three charts from its rows", async () => {
    const p95 = Object.fromEntries(
      SCALING_REQUESTS.map((request, index) => [`p95 ms: ${request}`, index + 1]),
    );
    const charts = scalingCharts(
      {
        rows: [
          { curve: 'items stored', items: 10_000, 'ingest msgs/s': 800, ...p95 },
          { curve: 'items stored', items: 100_000, 'ingest msgs/s': 700, ...p95 },
          { curve: 'job size', items: 1_000, 'release items/s': 900, 'delete items/s': 5000 },
          { curve: 'job size', items: 10_000, 'release items/s': 950, 'delete items/s': 6000 },
          { curve: 'job size', items: 100_000, 'release items/s': 990, 'delete items/s': 7000 },
        ],
      },
      'a unit test',
    );
    expect(charts.map((each) => each.file)).toEqual([...SCALING_CHARTS]);
    const [ingest, list, jobs] = await Promise.all(
      charts.map(async (each) => readSvgChart(await renderLineChart(each))),
    );
    expect(ingest!.points).toBe(2);
    expect(ingest!.axisTitles).toEqual(['items stored (log scale)', 'ingest (msgs/s)']);
    expect(list!.series).toEqual([...SCALING_REQUESTS]);
    expect(list!.points).toBe(2 * SCALING_REQUESTS.length);
    expect(list!.axisTitles).toEqual(['items stored (log scale)', 'p95 (ms, log scale)']);
    expect(jobs!.series).toEqual(['release job (to smtp-sink)', 'delete job']);
    expect(jobs!.points).toBe(6);
    expect(jobs!.axisTitles).toEqual(['items in the job (log scale)', 'items/s']);
  });

  it('refuses scaling sizes that are not item counts, before it seeds anything', async () => {
    const options = {
      stored: [1000],
      jobs: [100],
      ingestMessages: 10,
      sessions: 1,
      bytes: 1024,
      samples: 1,
      connections: 1,
      chartsDir: '/nonexistent',
      runLabel: 'a unit test',
    };
    await expect(runScaling({ ...options, stored: [Number.NaN] })).rejects.toThrow(
      'scaling: --stored takes item counts',
    );
    await expect(runScaling({ ...options, jobs: [] })).rejects.toThrow('scaling: --jobs takes item counts');
  });
});
