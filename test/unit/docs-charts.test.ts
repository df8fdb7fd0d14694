import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCALING_CHARTS } from '../../bench/cases/scaling.js';
import { readSvgChart } from '../support/svg-chart.js';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
const docs = readdirSync(new URL('docs/', ROOT))
  .filter((file) => file.endsWith('.md'))
  .map((file) => ({ file, text: read(`docs/${file}`) }));
const charts = readdirSync(new URL('docs/images/', ROOT)).filter((file) => file.endsWith('.svg'));

describe('docs/images: charts drawn by npm run bench, each shown in docs/', () => {
  it('holds only charts that a bench case draws (the scaling case)', () => {
    expect(charts.sort()).toEqual([...SCALING_CHARTS].sort());
  });

  it('shows every chart in docs/', () => {
    const all = docs.map((doc) => doc.text).join('\n');
    for (const chart of charts) expect(all, `${chart} is shown`).toContain(`](images/${chart})`);
  });

  it('points only at images that exist', () => {
    const missing = docs.flatMap(({ file, text }) =>
      [...text.matchAll(/!\[[^\]]*\]\(([^)#\s]+)[^)]*\)/g)]
        .map((match) => match[1]!)
        .filter((target) => !/^https?:/.test(target) && !existsSync(new URL(`docs/${target}`, ROOT)))
        .map((target) => `${file} → ${target}`),
    );
    expect(missing).toEqual([]);
  });

  it('commits charts that were drawn from a run, with points on every curve', () => {
    for (const chart of charts) {
      const drawn = readSvgChart(read(`docs/images/${chart}`));
      expect(drawn.axisTitles, chart).toHaveLength(2);
      expect(drawn.series.length, chart).toBeGreaterThan(0);
      expect(drawn.points, chart).toBeGreaterThanOrEqual(2 * drawn.series.length);
    }
  });
});
