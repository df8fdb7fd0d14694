import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { describe, it } from 'vitest';

/** Debian's Chromium; scripts/install-test-deps.sh installs it. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * `describe` for tests that drive Chromium. Without the browser they are skipped with a notice,
 * unless LAZARET_TEST_STRICT=1, where the missing browser is a failure.
 */
export function describeWithChromium(name: string, body: () => void): void {
  if (chromiumAvailable()) {
    describe(name, body);
    return;
  }
  if (process.env.LAZARET_TEST_STRICT === '1') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(
          `${CHROMIUM_PATH} is missing; run scripts/install-test-deps.sh (LAZARET_TEST_STRICT=1)`,
        );
      });
    });
    return;
  }
  process.stderr.write(
    `\n[skip] ${name}: ${CHROMIUM_PATH} not found; install it with scripts/install-test-deps.sh to run the browser tests.\n`,
  );
  describe.skip(name, body);
}

export interface Browser {
  context: BrowserContext;
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile and nothing of its own talking to the network. `locale`
 * sets the browser's language (navigator.languages and the Accept-Language it sends).
 */
export async function launchChromium(options: { locale?: string } = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'lazaret-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
    ...(options.locale ? { locale: options.locale } : {}),
  });
  return {
    context,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The screenshots README.md and docs/ show; `npm run docs:screenshots` regenerates them. */
export const DOCS_SCREENSHOTS_DIR = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/**
 * Saves a screenshot under test-artifacts/screenshots/ (git-ignored; CI keeps it as an artifact).
 * With LAZARET_DOCS_SCREENSHOTS=1 (`npm run docs:screenshots`), one whose name is already in
 * docs/screenshots/ is written there too, so the docs show the UI as the tests just drove it.
 */
/**
 * Waits until the page shows no loader at all. A page may show several at once (a user's page loads
 * tokens and activity side by side), which a single locator's waitFor refuses as ambiguous.
 */
export async function loadersGone(page: Page): Promise<void> {
  // A function, not a string: the UI's CSP forbids eval. Typed by hand: tests compile without the DOM lib.
  await page.waitForFunction(
    () =>
      !(
        globalThis as unknown as { document: { querySelector(selector: string): unknown } }
      ).document.querySelector('[role=progressbar], .mantine-Loader-root'),
  );
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(ARTIFACTS_DIR, 'screenshots');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  const docsPath = join(DOCS_SCREENSHOTS_DIR, `${name}.png`);
  if (process.env.LAZARET_DOCS_SCREENSHOTS === '1' && existsSync(docsPath)) await copyFile(path, docsPath);
  return path;
}

/** Signs in through the sign-in page, as a person would, and waits for the quarantine list. */
export async function signInThroughUi(
  page: Page,
  baseUrl: string,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/quarantine$/);
}
