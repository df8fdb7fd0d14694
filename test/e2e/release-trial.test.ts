import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectAccessible } from '../support/axe.js';
import {
  type Browser,
  describeWithChromium,
  launchChromium,
  screenshot,
  signInThroughUi,
} from '../support/browser.js';
import { Downstream } from '../support/downstream.js';
import { ServeProcess } from '../support/serve-process.js';

const ADMIN = { email: 'admin@example.test', password: 'trial-admin-password' };
const BOB = 'bob@example.test';
const REFUSAL = '5.7.1 Rejected by the trial relay: policy says no';

/*
 * The trial of issue 17: a fresh data folder in capture mode, mail held as it arrives over SMTP, and
 * one message released from its page, first to a relay that answers 550, then with the relay down
 * (a closed port). Each state is photographed (test-artifacts/screenshots/trial-*.png) and checked
 * with axe, as a person would meet it.
 */
describeWithChromium(
  'the release trial in Chromium: refused with the exact reply, then pending and deferred',
  () => {
    let dataDir: string;
    let downstream: Downstream;
    let serve: ServeProcess;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-trial-'));
      downstream = await new Downstream({ onData: () => ({ code: 550, message: REFUSAL }) }).start();
      serve = await new ServeProcess({
        LAZARET_DATA_DIR: dataDir,
        LAZARET_RELAY_PORT: String(downstream.port),
        LAZARET_RELAY_TLS: 'none',
        LAZARET_ADMIN_EMAIL: ADMIN.email,
        LAZARET_ADMIN_PASSWORD: ADMIN.password,
        // Retries 4 s, then 8 s apart: the pending state lasts long enough to be seen.
        LAZARET_RELEASE_RETRY_BASE_MS: '4000',
      }).start();
      const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true });
      await smtp.sendMail({
        from: 'Alice <alice@example.org>',
        to: BOB,
        subject: 'Quarterly report',
        text: 'The figures are attached.',
        html: '<p>The figures are <b>attached</b>.</p>',
      });
      smtp.close();
      browser = await launchChromium();
      page = await browser.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await signInThroughUi(page, serve.baseUrl, ADMIN.email, ADMIN.password);
    });

    afterAll(async () => {
      await browser?.close();
      await serve?.stop();
      await downstream?.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    const releaseButton = () => page.getByRole('button', { name: 'Release', exact: true });
    const release = async () => {
      await releaseButton().click();
      const dialog = page.getByRole('dialog', { name: 'Release 1 message?' });
      await expect(dialog.textContent()).resolves.toContain(`1 message will be delivered to ${BOB}.`);
      await dialog.getByRole('button', { name: 'Release 1 message' }).click();
      // Photographed once the dialog has faded out, as the page then stands. Any dialog element: while
      // it fades, the modal loses its title (and so the name above) before it leaves the page.
      await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    };

    it('a relay that answers 550: the page says it refused, with its exact reply, and the mail stays held', async () => {
      await page.getByTestId('item-row').filter({ hasText: 'Quarterly report' }).click();
      await page.getByRole('heading', { level: 1, name: 'Quarterly report' }).waitFor();
      await page.getByTestId('item-status').filter({ hasText: 'quarantined' }).waitFor();
      await page.locator('iframe').waitFor();
      // Capture mode holds everything: the verdict says so in words, not as "held: yes" / "capture".
      await expect(page.getByTestId('verdict-reason-detail').textContent()).resolves.toBe(
        'capture mode: every message is held',
      );
      await expect(page.locator('[data-testid=verdict-row] td').allTextContents()).resolves.toEqual([
        'Filter',
        'held',
        'no score',
        'Rule: capture mode: every message is held',
      ]);
      await screenshot(page, 'trial-held');
      await release();
      const outcome = page.getByTestId('release-outcome');
      await outcome.waitFor();
      await expect(outcome.getAttribute('role')).resolves.toBe('alert');
      await expect(outcome.textContent()).resolves.toMatch(/refused the message.*The mail server answered:/);
      await expect(page.getByTestId('release-reply').textContent()).resolves.toBe(`550 ${REFUSAL}`);
      await page.getByTestId('item-status').filter({ hasText: 'quarantined' }).waitFor();
      await expect(releaseButton().isEnabled()).resolves.toBe(true);
      // axe first: it waits for transitions (the button leaving its loading state) to end.
      await expectAccessible(page, 'trial-refused');
      await screenshot(page, 'trial-refused');
      expect(downstream.refusals).toHaveLength(1);
      expect(downstream.deliveries).toHaveLength(0);
    });

    it('the relay down: pending while it retries (the refusal gone), then deferred with the reason', async () => {
      await downstream.stop();
      await release();
      const pending = page.getByTestId('release-pending');
      await pending.waitFor();
      await expect(pending.textContent()).resolves.toContain(`delivering to ${BOB}`);
      await expect(page.getByTestId('release-outcome').count()).resolves.toBe(0);
      await expect(releaseButton().isDisabled()).resolves.toBe(true);
      // axe first: it waits for transitions (the button leaving its loading state) to end.
      await expectAccessible(page, 'trial-pending');
      await screenshot(page, 'trial-pending');

      const outcome = page.getByTestId('release-outcome');
      await outcome.waitFor({ timeout: 120_000 });
      // Nothing answered: the page says the server could not be reached, not that it answered.
      await expect(outcome.textContent()).resolves.toMatch(
        /deferred the message.*The mail server could not be reached:/,
      );
      await expect(page.getByTestId('release-pending').count()).resolves.toBe(0);
      await page.getByTestId('item-status').filter({ hasText: 'quarantined' }).waitFor();
      await expect(releaseButton().isEnabled()).resolves.toBe(true);
      // axe first: it waits for transitions (the button leaving its loading state) to end.
      await expectAccessible(page, 'trial-deferred');
      await screenshot(page, 'trial-deferred');

      // After a reload the page tells the last failure from the item itself.
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Quarterly report' }).waitFor();
      await page.getByRole('alert').filter({ hasText: 'The last release was deferred' }).waitFor();
      await screenshot(page, 'trial-deferred-reloaded');
      expect(pageErrors).toEqual([]);
    }, 150_000);
  },
);
