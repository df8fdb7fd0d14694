import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import {
  type Browser,
  describeWithChromium,
  launchChromium,
  screenshot,
  signInThroughUi,
} from '../support/browser.js';
import { CountingServer } from '../support/counting-server.js';
import { Downstream } from '../support/downstream.js';
import { HOSTILE_MAILS, hostileMessage } from '../support/hostile-mails.js';
import { ServeProcess } from '../support/serve-process.js';

describeWithChromium(
  'web UI in Chromium: the preview of hostile mail runs nothing and fetches nothing',
  () => {
    let dataDir: string;
    let tracker: CountingServer;
    let downstream: Downstream;
    let serve: ServeProcess;
    let browser: Browser;
    let page: Page;
    const dialogs: string[] = [];
    const popups: string[] = [];
    const ids = new Map<string, string>();

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-preview-'));
      tracker = await new CountingServer().start();
      downstream = await new Downstream().start();
      serve = await new ServeProcess({
        LAZARET_DATA_DIR: dataDir,
        LAZARET_RELAY_PORT: String(downstream.port),
        LAZARET_RELAY_TLS: 'none',
        LAZARET_ADMIN_EMAIL: 'admin@corp.test',
        LAZARET_ADMIN_PASSWORD: 'preview-admin-password',
      }).start();
      const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true });
      for (const mail of HOSTILE_MAILS) {
        await smtp.sendMail({
          envelope: { from: 'attacker@evil.test', to: ['victim@corp.test'] },
          raw: hostileMessage(mail, tracker.origin),
        });
      }
      const admin = await ApiClient.login(() => serve.baseUrl, 'admin@corp.test', 'preview-admin-password');
      const listed = await admin.request('/api/quarantine?limit=100');
      for (const item of (listed.body as { items: { id: string; subject: string }[] }).items) {
        ids.set(item.subject.replace(/^Hostile: /, ''), item.id);
      }
      browser = await launchChromium();
      page = await browser.newPage();
      page.on('popup', (opened) => popups.push(opened.url()));
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await signInThroughUi(page, serve.baseUrl, 'admin@corp.test', 'preview-admin-password');
    });

    afterAll(async () => {
      await browser?.close();
      await serve?.stop();
      await downstream?.stop();
      await tracker?.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    /** Opens an item's detail page and answers the preview frame once it has loaded. */
    const openPreview = async (name: string): Promise<Frame> => {
      const id = ids.get(name);
      expect(id, `item for ${name}`).toBeDefined();
      await page.goto(`${serve.baseUrl}/quarantine/${id}`);
      const frameElement = await page.waitForSelector('[data-testid=preview-frame]');
      const frame = (await frameElement.contentFrame())!;
      await frame.waitForLoadState('load');
      return frame;
    };

    const pwned = async (frame: Frame | Page) =>
      frame.evaluate(() => (globalThis as unknown as { __lazaretPwned?: number }).__lazaretPwned);

    it('detects a script that runs, so the checks below can fail (control)', async () => {
      const control = await browser.newPage();
      await control.setContent('<script>window.__lazaretPwned = 1</script>');
      expect(await pwned(control)).toBe(1);
      await control.close();
    });

    for (const mail of HOSTILE_MAILS) {
      it(`shows "${mail.name}" without running script or loading anything`, async () => {
        const frame = await openPreview(mail.name);
        // Poke everything a victim might touch: links, buttons, hover targets.
        for (const target of await frame.locator('a, button, div, details, summary').all()) {
          await target.hover({ force: true, timeout: 2000 }).catch(() => undefined);
          await target.click({ force: true, timeout: 2000, noWaitAfter: true }).catch(() => undefined);
        }
        await frame.waitForLoadState('load');
        expect(await pwned(frame)).toBeUndefined();
        expect(await pwned(page)).toBeUndefined();
        expect(frame.url()).toContain('/preview?part=html&remote=false');
        expect(dialogs).toEqual([]);
        expect(popups).toEqual([]);
        expect(tracker.requests).toEqual([]);
      });
    }

    it('keeps hostile HTML inert through the CSP and the sandbox alone, as if the sanitiser had let it all through', async () => {
      // The real preview response (its headers: CSP with sandbox) with the raw, unsanitised HTML as body.
      await page.route('**/api/quarantine/*/preview?*', async (route) => {
        const real = await route.fetch();
        const raw = HOSTILE_MAILS.map((mail) => mail.html(tracker.origin)).join('\n');
        await route.fulfill({ response: real, body: raw });
      });
      try {
        const frame = await openPreview('tracking pixels');
        for (const target of await frame.locator('a, button, div, input').all()) {
          await target.click({ force: true, timeout: 2000, noWaitAfter: true }).catch(() => undefined);
        }
        await frame.waitForLoadState('load');
        expect(await frame.locator('script').count()).toBeGreaterThan(0);
        expect(await pwned(frame)).toBeUndefined();
        expect(await pwned(page)).toBeUndefined();
        expect(dialogs).toEqual([]);
        expect(popups).toEqual([]);
        expect(tracker.requests).toEqual([]);
      } finally {
        await page.unroute('**/api/quarantine/*/preview?*');
      }
    });

    it('serves the preview under a CSP that forbids script even when opened on its own', async () => {
      const id = ids.get('script elements')!;
      const response = await page.goto(
        `${serve.baseUrl}/api/quarantine/${id}/preview?part=html&remote=false`,
      );
      expect(response?.headers()['content-security-policy']).toMatch(/default-src 'none'.*sandbox/);
      expect(await page.locator('body').textContent()).toContain('Hello');
      expect(dialogs).toEqual([]);
      expect(tracker.requests).toEqual([]);
    });

    it('loads remote content only after the viewer asks, and only for that message', async () => {
      await openPreview('tracking pixels');
      await expect(page.getByTestId('remote-blocked').textContent()).resolves.toMatch(/blocked/);
      await screenshot(page, 'detail-remote-blocked');
      expect(tracker.requests).toEqual([]);

      await page.getByRole('button', { name: 'Load remote content' }).click();
      const frame = (await (await page.waitForSelector('[data-testid=preview-frame]')).contentFrame())!;
      await frame.waitForURL(/remote=true/);
      await frame.waitForLoadState('load');
      await tracker.waitForRequests(1);
      expect(tracker.requests.map((request) => request.url)).toContain('/pixel.gif?u=victim');
      expect(await pwned(frame)).toBeUndefined();
      await screenshot(page, 'detail-remote-loaded');

      const seen = tracker.requests.length;
      await openPreview('CSS url() and @import');
      await expect(page.getByTestId('remote-blocked').isVisible()).resolves.toBe(true);
      expect(tracker.requests.length).toBe(seen);
      expect(dialogs).toEqual([]);
    });

    it('shows the plain text part on request', async () => {
      await openPreview('forms');
      await page.getByText('Plain text', { exact: true }).click();
      const frame = (await (await page.waitForSelector('[data-testid=preview-frame]')).contentFrame())!;
      await frame.waitForURL(/part=text/);
      await expect(frame.locator('pre').textContent()).resolves.toContain('Plain text of forms.');
    });
  },
);
