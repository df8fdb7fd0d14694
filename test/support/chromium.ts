import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { describe, it } from 'vitest';

/** Debian's Chromium (scripts/install-test-deps.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * `describe` for suites that drive Chromium: without it they skip with a notice, unless
 * LAZARET_TEST_STRICT=1, where the missing browser fails the run.
 */
export function describeInChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
    return;
  }
  if (process.env.LAZARET_TEST_STRICT === '1') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(
          `LAZARET_TEST_STRICT=1 and ${CHROMIUM} is missing (run scripts/install-test-deps.sh)`,
        );
      });
    });
    return;
  }
  process.stderr.write(`SKIPPED ${name}: needs ${CHROMIUM} (run scripts/install-test-deps.sh)\n`);
  describe.skip(name, body);
}

/** Headless Chromium with a fresh profile that talks to nothing but the pages it is sent to. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'lazaret-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
