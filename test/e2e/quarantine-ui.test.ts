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

describeWithChromium('web UI in Chromium: list, keyboard, bulk release, detail, delete, errors', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  let browser: Browser;
  let admin: ApiClient;
  const ADMIN = { email: 'admin@corp.test', password: 'ui-admin-password' };
  const USER = { email: 'user1@corp.test', password: 'ui-user-password' };
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-ui-'));
    downstream = await new Downstream().start();
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_MODE: 'filter',
      LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS: '127.0.0.1',
      LAZARET_ADMIN_EMAIL: ADMIN.email,
      LAZARET_ADMIN_PASSWORD: ADMIN.password,
    }).start();
    admin = await ApiClient.login(() => serve.baseUrl, ADMIN.email, ADMIN.password);
    const created = await admin.request('/api/users', {
      method: 'POST',
      json: { email: USER.email, role: 'user', password: USER.password, releaseMode: 'request' },
    });
    expect(created.status).toBe(201);
    const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true });
    const subjects = [
      'Invoice overdue',
      'Cheap watches',
      'Your parcel',
      'Password reset',
      'Meeting notes',
      'Lottery win',
    ];
    // One after another, so that the list order (newest first) is known.
    for (let index = 0; index < 30; index += 1) {
      await smtp.sendMail({
        from: `Sender ${index % 5} <sender${index % 5}@shop${index % 3}.test>`,
        to: `user${index % 4}@corp.test`,
        subject: `${subjects[index % subjects.length]} #${index}`,
        // Verdicts as a trusted upstream filter writes them: mostly spam with a score, some malware.
        headers:
          index % 7 === 0
            ? { 'X-Virus-Status': 'Infected (Win.Trojan.Agent-1234)' }
            : {
                'X-Spam-Status': `Yes, score=${(5 + (index % 9) * 1.3).toFixed(1)} required=5.0 tests=BAYES_99,URIBL_BLACK`,
              },
        text: `Message number ${index}`,
        html: `<h2>${subjects[index % subjects.length]}</h2><p>Message number <b>${index}</b>.</p><img src="https://tracker.example/${index}.gif">`,
        ...(index % 7 === 0
          ? {
              attachments: [
                {
                  filename: `document-${index}.pdf`,
                  content: Buffer.alloc(20_000, 1),
                  contentType: 'application/pdf',
                },
              ],
            }
          : {}),
      });
    }
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await downstream?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const rows = () => page.getByTestId('item-row');

  it('asks for sign-in, refuses a wrong password readably, then lists the held mail newest first', async () => {
    await page.goto(serve.baseUrl);
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel(/^Password/).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').first().textContent()).resolves.toMatch(/Sign-in failed/);
    await screenshot(page, 'sign-in-failed');
    await signInThroughUi(page, serve.baseUrl, ADMIN.email, ADMIN.password);
    await rows().first().waitFor();
    const whoAmI = await page.getByTestId('who-am-i').textContent();
    expect(whoAmI).toContain(ADMIN.email);
    expect(whoAmI).toContain('Administrator');
    await expect(rows().first().textContent()).resolves.toContain('#29');
    await expect(page.getByTestId('list-status').textContent()).resolves.toContain('30 loaded');
    await screenshot(page, 'list');
  });

  it('moves with j/k, selects with x and focuses the search with /', async () => {
    await page.locator('body').click({ position: { x: 600, y: 20 } });
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await page.keyboard.press('j');
    await page.locator('#row-2[data-active=true]').waitFor();
    await page.keyboard.press('x');
    await page
      .getByTestId('selection-count')
      .filter({ hasText: /^1 message selected$/ })
      .waitFor();
    await page.keyboard.press('x');
    await page.getByTestId('bulk-bar').waitFor({ state: 'detached' });
    await page.keyboard.press('/');
    await expect(
      page.evaluate(() =>
        (
          globalThis as unknown as {
            document: { activeElement: { getAttribute(name: string): string | null } };
          }
        ).document.activeElement.getAttribute('data-testid'),
      ),
    ).resolves.toBe('search-input');
    await page.keyboard.press('Escape');
  });

  it('sorts by a column on the server, both ways', async () => {
    const scores = async () =>
      (await page.locator('[data-testid=item-row] [role=gridcell]:nth-child(7)').allTextContents()).map(
        (text) => (text === '–' ? -1 : Number(text)),
      );
    await page.getByRole('button', { name: 'Score' }).click();
    await page.waitForURL(/sort=-score/);
    await page.locator('[role=columnheader][aria-sort=descending]').filter({ hasText: 'Score' }).waitFor();
    await rows().first().filter({ hasText: '15.4' }).waitFor();
    const descending = await scores();
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    await page.getByRole('button', { name: /Score/ }).click();
    await page.waitForURL(/sort=score/);
    await rows().first().filter({ hasText: '–' }).waitFor();
    const ascending = await scores();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.getByRole('button', { name: /Received/ }).click();
    await page.waitForURL(/\/quarantine$/);
    await rows().first().filter({ hasText: '#29' }).waitFor();
  });

  it('releases three selected messages after a confirmation that states the count, with progress to 100 %', async () => {
    const subjects: string[] = [];
    for (const index of [0, 1, 2]) {
      subjects.push((await rows().nth(index).locator('[role=gridcell]').nth(4).textContent()) ?? '');
      await rows().nth(index).getByRole('checkbox').check();
    }
    await page
      .getByTestId('selection-count')
      .filter({ hasText: /^3 messages selected$/ })
      .waitFor();
    await page.getByTestId('bulk-bar').getByRole('button', { name: 'Release', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Release 3 messages?');
    await screenshot(page, 'bulk-confirm');
    await dialog.getByRole('button', { name: 'Release 3 messages' }).click();
    await page.getByTestId('bulk-percent').filter({ hasText: '100 %' }).waitFor();
    await expect(page.getByTestId('bulk-run').first().textContent()).resolves.toContain('ok: 3');
    await downstream.waitForDeliveries(3);
    const delivered = downstream.deliveries.map((delivery) => delivery.raw.toString('utf8'));
    for (const subject of subjects) expect(delivered.some((raw) => raw.includes(subject.trim()))).toBe(true);
    await screenshot(page, 'bulk-done');
  });

  it('opens a detail with headers, verdict, attachments and the preview, and deletes it', async () => {
    await page.goto(`${serve.baseUrl}/quarantine`);
    const row = rows().filter({ hasText: '#28' });
    await row.click();
    await page.waitForURL(/\/quarantine\/[0-9A-Z]{26}$/);
    const id = page.url().split('/').at(-1)!;
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Meeting notes #28');
    await expect(page.getByTestId('header-summary').textContent()).resolves.toContain('sender3@shop1.test');
    // The SMTP client and its HELO name, as the item API returns them.
    await expect(page.getByTestId('header-summary').textContent()).resolves.toMatch(
      /Client127\.0\.0\.1 \([^)]+\)/,
    );
    const frame = (await (await page.waitForSelector('[data-testid=preview-frame]')).contentFrame())!;
    await frame.waitForLoadState('load');
    await expect(frame.locator('h2').textContent()).resolves.toBe('Meeting notes');
    await expect(page.getByTestId('remote-blocked').textContent()).resolves.toContain(
      '1 remote image or style blocked',
    );
    await screenshot(page, 'detail');

    await page.getByText('Win.Trojan.Agent-1234').first().waitFor();
    await page.getByRole('tab', { name: 'Attachments (1)' }).click();
    await expect(page.getByTestId('attachments').textContent()).resolves.toContain('document-28.pdf');
    const download = page.waitForEvent('download');
    await page.getByTestId('attachments').getByRole('link', { name: 'Download' }).click();
    expect((await download).suggestedFilename()).toBe('document-28.pdf');
    await page.getByRole('tab', { name: 'All headers' }).click();
    await expect(page.getByTestId('all-headers').textContent()).resolves.toContain('Message-ID');

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Delete 1 message?');
    await dialog.getByRole('button', { name: 'Delete 1 message' }).click();
    await page.waitForURL(/\/quarantine$/);
    expect((await admin.request(`/api/quarantine/${id}`)).status).toBe(404);
    await rows().filter({ hasText: '#27' }).waitFor();
    await rows().filter({ hasText: '#28' }).waitFor({ state: 'detached' });
  });

  it('shows API errors as readable messages, never a blank page', async () => {
    await page.goto(`${serve.baseUrl}/quarantine/01ARZ3NDEKTSV4RRFFQ69G5FAV`);
    const alert = page.getByRole('alert').first();
    await expect(alert.textContent()).resolves.toMatch(/No such item\..*not_found/);
    await page.goto(`${serve.baseUrl}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  });

  it('draws the dashboard from the stats endpoint', async () => {
    await page.goto(`${serve.baseUrl}/dashboard`);
    await page.getByRole('heading', { name: 'Held per day by reason' }).waitFor();
    await page.locator('.recharts-surface').first().waitFor();
    await expect(page.getByText('Released in 30 days').locator('..').textContent()).resolves.toContain('3');
    await screenshot(page, 'dashboard');
  });

  it('shows a user only their own mail and no admin pages; their release request is approved by an admin', async () => {
    await page.getByTestId('who-am-i').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await signInThroughUi(page, serve.baseUrl, USER.email, USER.password);
    await rows().first().waitFor();
    // A user starts on what is waiting for them, without a To column (they see one address only).
    const own = await admin.request(
      `/api/quarantine?limit=100&recipient=${USER.email}&status=quarantined&status=release_requested`,
    );
    const ownIds = (own.body as { items: { id: string }[] }).items;
    await expect(rows().count()).resolves.toBe(ownIds.length);
    await expect(page.getByRole('columnheader', { name: 'To' }).count()).resolves.toBe(0);
    for (const row of await rows().all()) {
      await expect(row.textContent()).resolves.not.toContain('@corp.test');
    }
    await expect(page.getByRole('link', { name: 'Dashboard' }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Audit log' }).count()).resolves.toBe(0);
    await screenshot(page, 'list-user');
    await page.goto(`${serve.baseUrl}/admin/audit`);
    await page.waitForURL(/\/quarantine$/);

    const row = rows().filter({ hasText: '#25' });
    await row.getByRole('checkbox').check();
    const bar = page.getByTestId('bulk-bar');
    await expect(bar.getByRole('button', { name: 'Release', exact: true }).count()).resolves.toBe(0);
    await bar.getByRole('button', { name: 'Request release' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Request release of 1 message?');
    await dialog.getByRole('button', { name: 'Request release of 1 message' }).click();
    await page.getByTestId('bulk-percent').filter({ hasText: '100 %' }).waitFor();
    await row.filter({ hasText: 'release requested' }).waitFor();

    await page.getByTestId('who-am-i').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await signInThroughUi(page, serve.baseUrl, ADMIN.email, ADMIN.password);
    await rows().filter({ hasText: '#25' }).click();
    await page.getByRole('button', { name: 'Approve release' }).click();
    await page.getByTestId('item-status').filter({ hasText: 'released' }).waitFor();
    const before = downstream.deliveries.length;
    await downstream.waitForDeliveries(before === 0 ? 1 : before);
    expect(downstream.deliveries.some((delivery) => delivery.raw.toString('utf8').includes('#25'))).toBe(
      true,
    );
  });

  it('offers a domain admin Request release, no Release and no attachment download, for malware', async () => {
    const DORA = { email: 'dora@corp.test', password: 'ui-dora-password' };
    const created = await admin.request('/api/users', {
      method: 'POST',
      json: { email: DORA.email, role: 'domain_admin', domains: ['corp.test'], password: DORA.password },
    });
    expect(created.status).toBe(201);
    const listed = await admin.request('/api/quarantine?limit=100&reason=malware');
    const malware = (listed.body as { items: { id: string; subject?: string }[] }).items.find((item) =>
      item.subject?.endsWith('#21'),
    )!;
    await page.getByTestId('who-am-i').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await signInThroughUi(page, serve.baseUrl, DORA.email, DORA.password);
    await page.goto(`${serve.baseUrl}/quarantine/${malware.id}`);
    await page.getByRole('button', { name: 'Request release' }).waitFor();
    await expect(page.getByRole('button', { name: 'Release', exact: true }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Release to…' }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Delete', exact: true }).waitFor();
    await page.getByRole('tab', { name: 'Attachments (1)' }).click();
    await expect(
      page.getByTestId('attachments').getByRole('link', { name: 'Download' }).count(),
    ).resolves.toBe(0);
    await page.getByRole('button', { name: 'Request release' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Request release of 1 message' }).click();
    await page.getByTestId('item-status').filter({ hasText: 'release requested' }).waitFor();
    // An admin, not a domain admin, decides it: neither Approve nor a second request is offered.
    await expect(page.getByRole('button', { name: 'Approve release' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Request release' }).count()).resolves.toBe(0);

    await page.getByTestId('who-am-i').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await signInThroughUi(page, serve.baseUrl, ADMIN.email, ADMIN.password);
  });

  it('works at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${serve.baseUrl}/quarantine`);
    await rows().first().waitFor();
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
            .documentElement.scrollWidth,
      ),
    ).toBeLessThanOrEqual(390);
    await screenshot(page, 'list-phone');
    await page.getByRole('button', { name: 'Toggle navigation' }).click();
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL(/\/dashboard$/);
    expect(pageErrors).toEqual([]);
  });
});
