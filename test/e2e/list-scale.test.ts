import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type Browser,
  describeWithChromium,
  launchChromium,
  screenshot,
  signInThroughUi,
} from '../support/browser.js';
import { seedItems } from '../support/seed-items.js';
import { ServeProcess } from '../support/serve-process.js';

const ITEMS = 20_000;

describeWithChromium('web UI in Chromium: a long list stays light', () => {
  let dataDir: string;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-scale-'));
    await seedItems(dataDir, ITEMS);
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_ADMIN_EMAIL: 'admin@corp.test',
      LAZARET_ADMIN_PASSWORD: 'scale-admin-password',
    }).start();
    browser = await launchChromium();
    page = await browser.newPage();
    await signInThroughUi(page, serve.baseUrl, 'admin@corp.test', 'scale-admin-password');
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const loaded = async () =>
    Number(
      /([\d,]+) loaded/
        .exec((await page.getByTestId('list-status').textContent()) ?? '')?.[1]
        ?.replace(/,/g, ''),
    );

  it('loads cursor pages as you scroll and keeps only the visible rows in the page', async () => {
    await page.getByTestId('item-row').first().waitFor();
    expect(await loaded()).toBe(200);
    // More than the status line counts: the total is shown as a lower bound.
    await page.getByTestId('list-status').filter({ hasText: '10,000+ matching · 200 loaded' }).waitFor();
    const scroller = page.getByTestId('list-scroll');
    for (let pages = 2; pages <= 10; pages += 1) {
      await scroller.evaluate((element) => {
        element.scrollTop = element.scrollHeight;
      });
      await page
        .getByTestId('list-status')
        .filter({ hasText: `${(pages * 200).toLocaleString('en-US')} loaded` })
        .waitFor();
      expect(await page.getByTestId('item-row').count()).toBeLessThan(60);
    }
    // The rows in the page now are the deep ones, around the 1,800th.
    const deep = page.getByTestId('item-row').nth(10);
    const subject = await deep.locator('[role=gridcell]').nth(4).textContent();
    const number = Number(/#(\d+)$/.exec(subject ?? '')?.[1]);
    expect(number).toBeGreaterThan(1500);
    await screenshot(page, 'list-scrolled');
    // Keyboard navigation still finds its way deep in the list.
    await deep.focus();
    await page.keyboard.press('j');
    await expect(page.locator('[data-testid=item-row][data-active=true]').textContent()).resolves.toContain(
      `Seeded message #${number + 1}`,
    );
  });

  it('draws the dashboard from counters, fast', async () => {
    const started = Date.now();
    await page.goto(`${serve.baseUrl}/dashboard`);
    await page.getByText('Waiting now').locator('..').filter({ hasText: '20,000' }).waitFor();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
