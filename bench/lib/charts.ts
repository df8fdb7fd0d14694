import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One measured point of one series: `x` items (the work), `y` the cost or rate at that size. */
export interface ChartPoint {
  series: string;
  x: number;
  y: number;
}

/** A line chart of how a measure grows with the work: one line per series, item counts on a log axis. */
export interface LineChart {
  /** File name under the output folder, e.g. `scaling-ingest.svg`. */
  file: string;
  title: string;
  /** A line under the title: which run the figures come from. */
  subtitle?: string;
  /** Axis titles, with their units: `items stored`, `msgs/s`. */
  xTitle: string;
  yTitle: string;
  points: ChartPoint[];
  /** A log y axis, for measures that span orders of magnitude (latencies). Linear from zero otherwise. */
  logY?: boolean;
}

/** The Vega-Lite specification of a chart: a line with a dot per measured point, coloured by series. */
export function lineChartSpec(chart: LineChart): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    // Left-aligned: without a canvas Vega estimates text widths generously, and a centred title it
    // thinks wider than the plot would pad the drawing on both sides.
    title: { text: chart.title, anchor: 'start', ...(chart.subtitle ? { subtitle: chart.subtitle } : {}) },
    width: 520,
    height: 280,
    background: 'white',
    data: { values: chart.points },
    mark: { type: 'line', point: { filled: true, size: 50 } },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        scale: { type: 'log', nice: false, padding: 12 },
        axis: {
          title: chart.xTitle,
          format: '~s',
          values: [...new Set(chart.points.map((point) => point.x))],
        },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        scale: chart.logY ? { type: 'log' } : { zero: true },
        axis: { title: chart.yTitle, format: ',~f' },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        // Series in the order given, names never cut short.
        scale: { domain: [...new Set(chart.points.map((point) => point.series))] },
        legend: { orient: 'bottom', direction: 'vertical', labelLimit: 0 },
      },
      tooltip: [
        { field: 'series', type: 'nominal' },
        { field: 'x', type: 'quantitative', title: chart.xTitle },
        { field: 'y', type: 'quantitative', title: chart.yTitle, format: ',.1f' },
      ],
    },
    config: { font: 'sans-serif', title: { fontSize: 14 }, axis: { labelFontSize: 11, titleFontSize: 12 } },
  };
}

/**
 * Renders a chart to SVG text: the Vega-Lite specification compiled to Vega and rendered headless
 * (`renderer: 'none'`, no canvas; text widths are estimated, so labels may sit a pixel off).
 */
export async function renderLineChart(chart: LineChart): Promise<string> {
  if (chart.points.length === 0) throw new Error(`chart ${chart.file}: no points`);
  const view = new View(parse(compile(lineChartSpec(chart)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders every chart and writes it to `dir`; answers the paths written. */
export async function writeCharts(charts: LineChart[], dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const chart of charts) {
    const path = join(dir, chart.file);
    writeFileSync(path, `${await renderLineChart(chart)}\n`);
    written.push(path);
  }
  return written;
}
