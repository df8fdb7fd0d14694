import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { QuarantineItem } from '../../src/core/types.js';
import { openStores } from '../../src/store/open-stores.js';
import {
  type Browser,
  describeWithChromium,
  launchChromium,
  screenshot,
  signInThroughUi,
} from '../support/browser.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { Downstream } from '../support/downstream.js';
import { testConfig } from '../support/env.js';
import { message } from '../support/mail.js';
import { ServeProcess } from '../support/serve-process.js';

const ADMIN = { email: 'admin@example.test', password: 'message-page-admin' };
const BOB = 'bob@example.test';

/*
 * Scanner details as the verdict pipeline stores them for the real daemons (shapes as in
 * test/integration/scanner-daemons.test.ts): the winner's own details at the top, every scanner's
 * summary under `scanners`.
 */
const VERDICTS: Record<string, Pick<QuarantineItem, 'reason' | 'score' | 'details'>> = {
  rspamd: {
    reason: 'spam',
    score: 15.3,
    details: {
      scanner: 'rspamd',
      action: 'reject',
      required: 15,
      symbols: ['GTUBE', 'MIME_GOOD', 'R_DKIM_NA'],
      descriptions: { GTUBE: 'Generic Test for Unsolicited Bulk Email', MIME_GOOD: 'Known content-type' },
      scanners: {
        rspamd: { action: 'quarantine', reason: 'spam', score: 15.3 },
        clamav: { action: 'pass' },
      },
    },
  },
  spamassassin: {
    reason: 'spam',
    score: 1002.1,
    details: {
      scanner: 'spamassassin',
      threshold: 5,
      symbols: ['GTUBE', 'MISSING_HEADERS'],
      scanners: {
        spamassassin: { action: 'quarantine', reason: 'spam', score: 1002.1 },
        rspamd: { error: 'timed out after 10000 ms' },
      },
    },
  },
  clamav: {
    reason: 'malware',
    score: null,
    details: {
      scanner: 'clamav',
      virus: 'Win.Test.EICAR_HDB-1',
      scanners: {
        clamav: { action: 'quarantine', reason: 'malware' },
        spamassassin: { action: 'pass', score: 2.4, threshold: 5, symbols: ['HTML_MESSAGE'] },
      },
    },
  },
  policy: {
    reason: 'policy',
    score: null,
    details: {
      scanner: 'policy',
      rule: 'blocked-extension',
      filename: 'invoice.exe',
      extension: 'exe',
      scanners: { policy: { action: 'quarantine', reason: 'policy' } },
    },
  },
};

describeWithChromium(
  'web UI in Chromium: the message page tells how a release went and why mail was held',
  () => {
    let dataDir: string;
    let downstream: Downstream;
    let serve: ServeProcess;
    let browser: Browser;
    let page: Page;
    const ids = new Map<string, string>();
    const pageErrors: string[] = [];

    /** Stores a held message for bob with `verdict`, as ingest would, before serve opens the store. */
    async function seed(subject: string, verdict: (typeof VERDICTS)[string]): Promise<void> {
      const stores = await openStores(testConfig({ LAZARET_DATA_DIR: dataDir }));
      try {
        const raw = message({ to: BOB, subject });
        const held = buildMessage({
          size: raw.length,
          receivedAt: new Date().toISOString(),
          envelope: { mailFrom: 'sender@example.org', rcptTo: [BOB] },
          headers: {
            from: 'Sender <sender@example.org>',
            fromAddress: 'sender@example.org',
            to: BOB,
            subject,
            date: 'Sun, 29 Nov 2026 12:00:00 +0000',
            authResults: [
              { method: 'spf', result: 'pass', detail: 'smtp.mailfrom=example.org' },
              { method: 'dkim', result: 'fail', detail: 'bad signature; header.d=example.org' },
              { method: 'dmarc', result: 'fail', detail: 'header.from=example.org' },
            ],
          },
          remoteAddress: '192.0.2.7',
          heloName: 'mail.example.org',
          queueId: '4Xb1Kz2QfNz9TQ',
        });
        const [item] = buildItems(held, [BOB], verdict);
        await stores.blobs.put(held.blobKey, raw);
        await stores.items.putMessage(held, [item!]);
        ids.set(subject, item!.id);
      } finally {
        await stores.close();
      }
    }

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-message-'));
      for (const [scanner, verdict] of Object.entries(VERDICTS)) await seed(`Held by ${scanner}`, verdict);
      downstream = await new Downstream().start();
      serve = await new ServeProcess({
        LAZARET_DATA_DIR: dataDir,
        LAZARET_RELAY_PORT: String(downstream.port),
        LAZARET_RELAY_TLS: 'none',
        LAZARET_ADMIN_EMAIL: ADMIN.email,
        LAZARET_ADMIN_PASSWORD: ADMIN.password,
      }).start();
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

    const open = async (subject: string) => {
      await page.goto(`${serve.baseUrl}/quarantine/${ids.get(subject)}`);
      await page.getByRole('heading', { level: 1, name: subject }).waitFor();
    };
    const releaseButton = () => page.getByRole('button', { name: 'Release', exact: true });
    const confirmRelease = async () => {
      const dialog = page.getByRole('dialog');
      await expect(dialog.textContent()).resolves.toContain(`will be delivered to ${BOB}.`);
      await dialog.getByRole('button', { name: 'Release 1 message' }).click();
    };

    it('shows the reason detail in the list: the virus and the policy rule', async () => {
      await page.goto(`${serve.baseUrl}/quarantine`);
      const row = (subject: string) => page.getByTestId('item-row').filter({ hasText: subject });
      await expect(row('Held by clamav').getByTestId('reason-detail').textContent()).resolves.toBe(
        'Win.Test.EICAR_HDB-1',
      );
      await expect(row('Held by policy').getByTestId('reason-detail').textContent()).resolves.toBe(
        'blocked file extension .exe (invoice.exe)',
      );
      await expect(row('Held by rspamd').getByTestId('reason-detail').count()).resolves.toBe(0);
      await screenshot(page, 'list-reason-detail');
    });

    it('explains each verdict in a table per scanner, never as raw JSON', async () => {
      const cells = async (scanner: string) =>
        (await page.locator(`[data-testid=verdict-row][data-scanner=${scanner}] td`).allTextContents()).map(
          (text) => text.trim(),
        );
      await open('Held by rspamd');
      expect(await cells('rspamd')).toEqual([
        'rspamd',
        'held: spam',
        '15.3 / 15',
        'GTUBE Generic Test for Unsolicited Bulk EmailMIME_GOOD Known content-typeR_DKIM_NA',
      ]);
      expect(await cells('clamav')).toEqual(['ClamAV', 'passed', 'no score', '']);
      await screenshot(page, 'verdict-rspamd');

      await open('Held by spamassassin');
      expect(await cells('spamassassin')).toEqual([
        'SpamAssassin',
        'held: spam',
        '1002.1 / 5',
        'GTUBEMISSING_HEADERS',
      ]);
      expect(await cells('rspamd')).toEqual(['rspamd', 'failed: timed out after 10000 ms', 'no score', '']);

      await expect(page.getByTestId('auth-results').locator('p').allTextContents()).resolves.toEqual([
        'SPF passed (smtp.mailfrom=example.org)',
        'DKIM failed (bad signature; header.d=example.org)',
        'DMARC failed (header.from=example.org)',
      ]);
      await expect(page.getByTestId('header-summary').textContent()).resolves.toContain(
        'Client192.0.2.7 (mail.example.org)Queue id4Xb1Kz2QfNz9TQ',
      );

      await open('Held by clamav');
      expect(await cells('clamav')).toEqual([
        'ClamAV',
        'held: malware',
        'no score',
        'Virus: Win.Test.EICAR_HDB-1',
      ]);
      expect(await cells('spamassassin')).toEqual(['SpamAssassin', 'passed', '2.4 / 5', 'HTML_MESSAGE']);
      await expect(page.getByTestId('verdict-reason-detail').textContent()).resolves.toBe(
        'Win.Test.EICAR_HDB-1',
      );
      await screenshot(page, 'verdict-clamav');

      await open('Held by policy');
      expect(await cells('policy')).toEqual([
        'Policy',
        'held: policy',
        'no score',
        'Rule: blocked file extension .exe (invoice.exe)',
      ]);
      const verdictCard = await page.getByTestId('verdict-table').locator('..').locator('..').textContent();
      expect(verdictCard).not.toContain('{');
      expect(verdictCard).not.toContain('Score –');
    });

    it('shows a refused release with the exact reply at once, without a reload', async () => {
      downstream.onData = () => ({ code: 550, message: '5.7.1 Rejected by the test relay: no thanks' });
      await open('Held by rspamd');
      await releaseButton().click();
      await confirmRelease();
      const outcome = page.getByTestId('release-outcome');
      await outcome.waitFor();
      await expect(outcome.textContent()).resolves.toMatch(/refused the message/);
      await expect(page.getByTestId('release-reply').textContent()).resolves.toMatch(
        /^550 .*Rejected by the test relay: no thanks/,
      );
      await page.getByTestId('item-status').filter({ hasText: 'quarantined' }).waitFor();
      await screenshot(page, 'release-refused');
    });

    it('releases to the recipient it names; a released item offers only an explicit Send again', async () => {
      downstream.onData = undefined;
      await open('Held by spamassassin');
      await releaseButton().click();
      await confirmRelease();
      const outcome = page.getByTestId('release-outcome');
      await outcome.filter({ hasText: `Delivered to ${BOB}` }).waitFor();
      await expect(page.getByTestId('release-reply').textContent()).resolves.toMatch(/^250 /);
      await page.getByTestId('item-status').filter({ hasText: 'released' }).waitFor();
      await downstream.waitForDeliveries(1);
      await expect(releaseButton().count()).resolves.toBe(0);
      await screenshot(page, 'release-delivered');

      await page.reload();
      await page.getByTestId('item-status').filter({ hasText: 'released' }).waitFor();
      await expect(releaseButton().count()).resolves.toBe(0);
      await page.getByRole('button', { name: 'Send again…' }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Send 1 message again?');
      await expect(dialog.textContent()).resolves.toContain(`delivers another copy to ${BOB}`);
      await screenshot(page, 'release-send-again');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect(downstream.deliveries).toHaveLength(1);
    });

    it('shows the release pending while the relay is down, then the deferral with its reply', async () => {
      await downstream.stop();
      await open('Held by policy');
      await releaseButton().click();
      await confirmRelease();
      await page.getByTestId('release-pending').waitFor();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await expect(releaseButton().isDisabled()).resolves.toBe(true);
      await expect(page.getByRole('button', { name: 'Delete', exact: true }).isDisabled()).resolves.toBe(
        true,
      );
      await screenshot(page, 'release-pending');
      const outcome = page.getByTestId('release-outcome');
      await outcome.waitFor({ timeout: 120_000 });
      await expect(outcome.textContent()).resolves.toMatch(/deferred the message/);
      await expect(page.getByTestId('release-pending').count()).resolves.toBe(0);
      await page.getByTestId('item-status').filter({ hasText: 'quarantined' }).waitFor();
      await expect(releaseButton().isEnabled()).resolves.toBe(true);
      await screenshot(page, 'release-deferred');
      expect(pageErrors).toEqual([]);
      // The relay's retries against a closed port take half a minute and more on a busy machine.
    }, 150_000);
  },
);
