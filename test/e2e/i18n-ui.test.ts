import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { englishLeftovers } from '../../scripts/i18n-catalogues.js';
import { CATALOGUES } from '../../web/src/i18n/catalogues.js';
import { ApiClient } from '../support/api-client.js';
import { type Browser, describeWithChromium, launchChromium, screenshot } from '../support/browser.js';
import { Downstream } from '../support/downstream.js';
import { ServeProcess } from '../support/serve-process.js';

const PASSWORD = 'i18n-ui-password-1';
const WEB = CATALOGUES as unknown as Parameters<typeof englishLeftovers>[1];

describeWithChromium(
  'web UI in Chromium: language from the browser, the user’s choice, every page in German',
  () => {
    let dataDir: string;
    let downstream: Downstream;
    let serve: ServeProcess;
    let german: Browser;
    let page: Page;
    let itemId: string;
    let jobId: string;
    let rootId: string;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-i18n-'));
      downstream = await new Downstream().start();
      serve = await new ServeProcess({
        LAZARET_DATA_DIR: dataDir,
        LAZARET_RELAY_PORT: String(downstream.port),
        LAZARET_RELAY_TLS: 'none',
        LAZARET_ADMIN_EMAIL: 'root@corp.test',
        LAZARET_ADMIN_PASSWORD: PASSWORD,
        LAZARET_DIGEST_ENABLED: 'false',
      }).start();
      const root = await ApiClient.login(() => serve.baseUrl, 'root@corp.test', PASSWORD);
      const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true });
      for (const subject of ['Cheap watches', 'Second offer'])
        await smtp.sendMail({
          from: 'Deals <deals@shop.example>',
          to: 'alice@corp.test',
          subject,
          text: 'x',
        });
      smtp.close();
      rootId = ((await root.request('/api/auth/me')).body as { user: { id: string } }).user.id;
      const items = await root.listItems();
      expect(items).toHaveLength(2);
      itemId = items.find((each) => each.subject === 'Cheap watches')!.id;
      const job = await root.request('/api/quarantine/jobs', {
        method: 'POST',
        json: { action: 'delete', ids: [items.find((each) => each.subject === 'Second offer')!.id] },
      });
      expect(job.status, job.text).toBe(202);
      jobId = (job.body as { job: { id: string } }).job.id;
      german = await launchChromium({ locale: 'de-DE' });
      page = await german.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
    });

    afterAll(async () => {
      await german?.close();
      await serve?.stop();
      await downstream?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    /** Waits for `heading`, then answers the English the page still shows. */
    async function leftovers(path: string, heading: string | RegExp): Promise<string[]> {
      await page.goto(`${serve.baseUrl}${path}`);
      await page.getByRole('heading', { name: heading }).first().waitFor();
      await page.waitForLoadState('networkidle');
      // biome-ignore lint/performance/useDomNodeTextContent: what is shown, not hidden nodes' text
      return englishLeftovers(await page.innerText('body'), WEB, 'de');
    }

    it('signs in in the browser’s language, with no choice of one’s own', async () => {
      await page.goto(`${serve.baseUrl}/sign-in`);
      await page.getByRole('heading', { name: 'Bei Lazaret anmelden' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      await page.getByLabel('E-Mail').fill('root@corp.test');
      await page.getByLabel(/^Passwort/).fill(PASSWORD);
      await page.getByRole('button', { name: 'Anmelden' }).click();
      await page.waitForURL(/\/quarantine$/);
      await page.getByRole('heading', { name: 'Quarantäne' }).waitFor();
      await expect.poll(() => page.getByTestId('item-row').count()).toBe(1);
      await expect.poll(() => page.getByTestId('list-status').textContent()).toMatch(/1 geladen/);
    });

    it('shows every page in German, without English left over', async () => {
      const pages: [string, string | RegExp][] = [
        ['/quarantine', 'Quarantäne'],
        [`/quarantine/${itemId}`, 'Cheap watches'],
        [`/jobs/${jobId}`, /^Löschauftrag · /],
        ['/settings', 'Einstellungen'],
        ['/dashboard', 'Dashboard'],
        ['/admin/users', 'Benutzer'],
        [`/admin/users/${rootId}`, 'root@corp.test'],
        ['/admin/tokens', 'API-Token'],
        ['/admin/audit', 'Protokoll'],
        ['/admin/digests', 'Übersichten und Absenderlisten'],
        ['/no/such/page', 'Seite nicht gefunden'],
      ];
      const found: Record<string, string[]> = {};
      for (const [path, heading] of pages) {
        const english = await leftovers(path, heading);
        if (english.length > 0) found[path] = english;
      }
      await screenshot(page, 'i18n-de-digests');
      expect(found).toEqual({});
      expect(pageErrors).toEqual([]);
    });

    it('the message page speaks German: actions, confirmation with plural, dates', async () => {
      await page.goto(`${serve.baseUrl}/quarantine/${itemId}`);
      await page.getByRole('button', { name: 'Löschen' }).click();
      const dialog = page.getByRole('dialog');
      await expect.poll(() => dialog.textContent()).toContain('1 Nachricht löschen?');
      await expect.poll(() => dialog.textContent()).toContain('1 Nachricht wird gelöscht.');
      await dialog.getByRole('button', { name: 'Abbrechen' }).click();
      expect(await page.getByTestId('item-status').textContent()).toBe('in Quarantäne');
    });

    it('a language chosen in Settings wins over the browser, here and in the next browser', async () => {
      await page.goto(`${serve.baseUrl}/settings`);
      await page.getByRole('heading', { name: 'Einstellungen' }).waitFor();
      await page.getByTestId('language-settings').getByLabel('Sprache', { exact: true }).click();
      await page.getByRole('option', { name: 'Français', exact: true }).click();
      await page.getByRole('heading', { name: 'Paramètres' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      // biome-ignore lint/performance/useDomNodeTextContent: what is shown, not hidden nodes' text
      expect(englishLeftovers(await page.innerText('body'), WEB, 'fr')).toEqual([]);

      const english = await launchChromium({ locale: 'en-US' });
      try {
        const other = await english.newPage();
        await other.goto(`${serve.baseUrl}/sign-in`);
        await other.getByRole('heading', { name: 'Sign in to Lazaret' }).waitFor();
        await other.getByLabel('Email').fill('root@corp.test');
        await other.getByLabel(/^Password/).fill(PASSWORD);
        await other.getByRole('button', { name: 'Sign in' }).click();
        await other.getByRole('heading', { name: 'Quarantaine' }).waitFor();
        await other.getByRole('link', { name: 'Paramètres' }).click();
        await other.getByTestId('language-settings').getByLabel('Langue', { exact: true }).click();
        await other.getByRole('option', { name: 'Selon mon navigateur', exact: true }).click();
        await other.getByRole('heading', { name: 'Settings' }).waitFor();
        expect(await other.getAttribute('html', 'lang')).toBe('en');
      } finally {
        await english.close();
      }
    });
  },
);
