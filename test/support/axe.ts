import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { ARTIFACTS_DIR } from './browser.js';

/** The rules run: WCAG 2.0–2.2 A and AA, and axe's best practices (landmarks, one h1, …). */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** Impacts that fail a test; `minor` findings are reported only. */
const FAILING = new Set(['moderate', 'serious', 'critical']);

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  helpUrl: string;
  /** One line per element: its CSS selector and what is wrong with it. */
  nodes: string[];
}

export interface AxeReport {
  name: string;
  url: string;
  failing: AxeFinding[];
  reported: AxeFinding[];
}

export interface AxeOptions {
  /** Only this part of the page (a CSS selector), e.g. an open dialog. */
  include?: string;
  /** Rules to leave out, each with the reason in a comment where it is passed. */
  disableRules?: string[];
}

/**
 * Runs axe-core in `page` as it is now and fails on moderate, serious or critical violations, naming
 * each rule, element and fix; minor ones go to standard error and, like the whole report,
 * to test-artifacts/a11y/<name>.json. axe's own script is evaluated through the DevTools protocol,
 * so it runs under any Content-Security-Policy of the page. Frames are not entered: the only frame
 * of the app is the sandboxed mail preview, where no script may run and whose content is the
 * sender's, not ours (its `<iframe>` element itself is checked).
 */
export async function expectAccessible(
  page: Page,
  name: string,
  options: AxeOptions = {},
): Promise<AxeReport> {
  // A dialog fading in has text of too little contrast until its transition ends: wait for every
  // finite animation (spinners run forever and are left alone).
  await page.waitForFunction(() =>
    (
      globalThis as unknown as {
        document: {
          getAnimations(): {
            playState: string;
            effect: { getComputedTiming(): { iterations: number } } | null;
          }[];
        };
      }
    ).document
      .getAnimations()
      .every(
        (animation) =>
          animation.playState !== 'running' ||
          animation.effect?.getComputedTiming().iterations === Number.POSITIVE_INFINITY,
      ),
  );
  const loaded = await page.evaluate(() => 'axe' in globalThis);
  if (!loaded) await page.evaluate(axe.source);
  const findings = await page.evaluate(
    async ({ tags, include, disableRules }) => {
      const engine = (globalThis as unknown as { axe: typeof axe }).axe;
      const results = await engine.run(include ? { include: [include] } : { exclude: [] }, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
        iframes: false,
        rules: Object.fromEntries(disableRules.map((rule) => [rule, { enabled: false }])),
      });
      return results.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact ?? 'minor',
        help: violation.help,
        helpUrl: violation.helpUrl,
        nodes: violation.nodes.map(
          (node) => `${node.target.join(' ')}: ${(node.failureSummary ?? '').replace(/\s+/g, ' ').trim()}`,
        ),
      }));
    },
    { tags: TAGS, include: options.include ?? null, disableRules: options.disableRules ?? [] },
  );
  const report: AxeReport = {
    name,
    url: page.url(),
    failing: findings.filter((finding) => FAILING.has(finding.impact)),
    reported: findings.filter((finding) => !FAILING.has(finding.impact)),
  };
  const dir = join(ARTIFACTS_DIR, 'a11y');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  if (report.reported.length > 0) {
    process.stderr.write(
      `[a11y] ${name}: ${report.reported.map((finding) => `${finding.id} (${finding.impact}, ${finding.nodes.length})`).join(', ')}\n`,
    );
  }
  if (report.failing.length > 0) {
    const lines = report.failing.flatMap((finding) => [
      `${finding.id} (${finding.impact}): ${finding.help} — ${finding.helpUrl}`,
      ...finding.nodes.map((node) => `    ${node}`),
    ]);
    throw new Error(`accessibility of "${name}" (${report.url}):\n${lines.join('\n')}`);
  }
  return report;
}
