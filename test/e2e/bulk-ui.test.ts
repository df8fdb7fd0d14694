import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import {
  type Browser,
  describeWithChromium,
  launchChromium,
  screenshot,
  signInThroughUi,
} from '../support/browser.js';
import { Downstream } from '../support/downstream.js';
import { ServeProcess } from '../support/serve-process.js';

const BULK = 2000;
const ADMIN = { email: 'admin@corp.test', password: 'bulk-admin-password' };

describeWithChromium(
  'web UI in Chromium: search, select all matching, bulk release of 2,000 with live progress',
  () => {
    let dataDir: string;
    let downstream: Downstream;
    let serve: ServeProcess;
    let browser: Browser;
    let page: Page;
    let admin: ApiClient;

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-bulk-'));
      downstream = await new Downstream({
        onRcpt: (address) =>
          address.startsWith('refused') ? { code: 550, message: '5.1.1 No such mailbox here' } : undefined,
      }).start();
      serve = await new ServeProcess({
        LAZARET_DATA_DIR: dataDir,
        LAZARET_RELAY_PORT: String(downstream.port),
        LAZARET_RELAY_TLS: 'none',
        LAZARET_ADMIN_EMAIL: ADMIN.email,
        LAZARET_ADMIN_PASSWORD: ADMIN.password,
      }).start();
      admin = await ApiClient.login(() => serve.baseUrl, ADMIN.email, ADMIN.password);
      const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true });
      // Two messages of 1,000 recipients each: 2,000 items to release, one delivery per item.
      for (const batch of [0, 1]) {
        const to = Array.from({ length: BULK / 2 }, (_, index) => `rcpt${batch * 1000 + index}@bulk.test`);
        await smtp.sendMail({
          envelope: { from: 'newsletter@sender.test', to },
          from: 'newsletter@sender.test',
          to: 'undisclosed-recipients:;',
          subject: `Quarterly newsletter part ${batch + 1}`,
          text: 'Hello',
        });
      }
      await smtp.sendMail({
        from: 'other@sender.test',
        to: 'someone@corp.test',
        subject: 'Not part of it',
        text: 'x',
      });
      await smtp.sendMail({
        envelope: { from: 'other@sender.test', to: ['refused1@corp.test', 'refused2@corp.test'] },
        from: 'other@sender.test',
        to: 'refused1@corp.test, refused2@corp.test',
        subject: 'Refused batch',
        text: 'x',
      });
      browser = await launchChromium();
      page = await browser.newPage();
      await signInThroughUi(page, serve.baseUrl, ADMIN.email, ADMIN.password);
    });

    afterAll(async () => {
      await browser?.close();
      await serve?.stop();
      await downstream?.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('searches with the query syntax and offers to select all 2,000 matching', async () => {
      await page.getByTestId('search-input').fill('subject:"quarterly newsletter" from:sender.test');
      await page.getByTestId('search-input').press('Enter');
      await page.waitForURL(/q=/);
      // The unfiltered rows stay on screen until the search's page arrives: poll, do not read once.
      const rows = page.getByTestId('item-row');
      await expect
        .poll(async () => [
          (await rows.count()) > 0,
          await rows.filter({ hasText: 'Not part of it' }).count(),
        ])
        .toEqual([true, 0]);
      await page.getByRole('checkbox', { name: 'Select all loaded messages' }).check();
      await page.getByRole('button', { name: 'Select all 2,000 matching this search' }).click();
      await page
        .getByTestId('selection-count')
        .filter({ hasText: /^2,000 messages selected$/ })
        .waitFor();
      await screenshot(page, 'select-all-matching');
    });

    it('releases them after a confirmation with the exact count, the progress reaching 100 %', async () => {
      await page.getByTestId('bulk-bar').getByRole('button', { name: 'Release', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Release 2,000 messages?');
      await dialog.getByRole('button', { name: 'Release 2,000 messages' }).click();
      await page.getByTestId('bulk-run').first().waitFor();
      await screenshot(page, 'bulk-running');
      await page.getByTestId('bulk-percent').filter({ hasText: '100 %' }).waitFor({ timeout: 120_000 });
      await expect(page.getByTestId('bulk-run').first().textContent()).resolves.toContain('ok: 2,000');
      await screenshot(page, 'bulk-finished');
      // "ok" means the downstream accepted; the relay sends one message's recipients in few transactions.
      const delivered = new Set(downstream.deliveries.flatMap((delivery) => delivery.rcptTo));
      expect(delivered.size).toBe(BULK);
      expect(delivered.has('someone@corp.test')).toBe(false);
      const left = await admin.request(
        '/api/quarantine?limit=10&q=subject%3A%22quarterly%20newsletter%22%20status%3Aquarantined',
      );
      expect((left.body as { items: unknown[] }).items).toEqual([]);
    });

    it('shows the per-outcome counts of a job with failures and links to the failed items', async () => {
      await page.getByTestId('search-input').fill('subject:"refused batch"');
      await page.getByTestId('search-input').press('Enter');
      // The previous search's rows stay on screen until this one's arrive: wait for exactly its two.
      await expect.poll(() => page.getByTestId('item-row').count()).toBe(2);
      await page.getByRole('checkbox', { name: 'Select all loaded messages' }).check();
      await page.getByTestId('bulk-bar').getByRole('button', { name: 'Release', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Release 2 messages' }).click();
      const run = page.getByTestId('bulk-run').first();
      await run.getByTestId('bulk-percent').filter({ hasText: '100 %' }).waitFor();
      await expect(run.textContent()).resolves.toContain('delivery_rejected: 2');
      await run.getByRole('link', { name: 'Show failed items' }).click();
      await page.waitForURL(/\/jobs\/[0-9A-Z]{26}\?outcome=delivery_rejected$/);
      const failed = page.getByRole('row').filter({ hasText: 'delivery_rejected' });
      await failed.nth(1).waitFor();
      await expect(failed.first().textContent()).resolves.toMatch(/550/);
      await screenshot(page, 'job-failed-items');
    });
  },
);
