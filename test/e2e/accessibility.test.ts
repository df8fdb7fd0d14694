import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LinkSigner } from '../../src/digest/link-token.js';
import { ApiClient } from '../support/api-client.js';
import { expectAccessible } from '../support/axe.js';
import {
  type Browser,
  describeWithChromium,
  launchChromium,
  loadersGone,
  signInThroughUi,
} from '../support/browser.js';
import { Downstream } from '../support/downstream.js';
import { ServeProcess } from '../support/serve-process.js';

const ADMIN = { email: 'admin@corp.test', password: 'a11y-admin-password' };
const ALICE = { email: 'alice@corp.test', password: 'a11y-alice-password' };
const LINK_KEY = 'e2e-a11y-link-key-0123456789abcdef0123456789';

interface ListedItem {
  id: string;
  subject?: string;
  recipient: string;
}

/** What has the keyboard focus, and whether a sighted keyboard user can see where it is. */
async function focused(
  page: Page,
): Promise<{ id: string; text: string; focusVisible: boolean; ring: boolean }> {
  return page.evaluate(() => {
    const element = (
      globalThis as unknown as {
        document: { activeElement: { id: string; textContent: string | null; matches(s: string): boolean } };
      }
    ).document.activeElement;
    const style = (
      globalThis as unknown as {
        getComputedStyle(element: unknown): { outlineStyle: string; outlineWidth: string; boxShadow: string };
      }
    ).getComputedStyle(element);
    return {
      id: element.id,
      text: (element.textContent ?? '').trim(),
      focusVisible: element.matches(':focus-visible'),
      ring:
        (style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0) ||
        style.boxShadow !== 'none',
    };
  });
}

describeWithChromium('accessibility in Chromium: axe on every page, and the keyboard alone', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let admin: ApiClient;
  let aliceId: string;
  let jobId: string;
  let items: ListedItem[];
  const pageErrors: string[] = [];

  const signer = new LinkSigner([LINK_KEY]);
  const linkFor = (action: 'release' | 'delete', itemId: string) =>
    `${serve.baseUrl}/link/${signer.sign({ action, userId: aliceId, itemIds: [itemId], expiresAt: new Date(Date.now() + 86_400_000) })}`;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-a11y-'));
    downstream = await new Downstream().start();
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_MODE: 'filter',
      LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS: '127.0.0.1',
      LAZARET_ADMIN_EMAIL: ADMIN.email,
      LAZARET_ADMIN_PASSWORD: ADMIN.password,
      LAZARET_LINK_KEYS: LINK_KEY,
      LAZARET_DIGEST_ENABLED: 'false',
    }).start();
    admin = await ApiClient.login(() => serve.baseUrl, ADMIN.email, ADMIN.password);
    const created = await admin.request('/api/users', {
      method: 'POST',
      json: { email: ALICE.email, role: 'user', password: ALICE.password },
    });
    expect(created.status, created.text).toBe(201);
    aliceId = (created.body as { user: { id: string } }).user.id;
    const token = await admin.request(`/api/users/${aliceId}/tokens`, {
      method: 'POST',
      json: { name: 'alice-script', scope: 'read' },
    });
    expect(token.status, token.text).toBe(201);

    const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true });
    const subjects = ['Invoice overdue', 'Cheap watches', 'Lottery win', 'Meeting notes'];
    for (let index = 0; index < 12; index += 1) {
      await smtp.sendMail({
        from: `Sender ${index % 3} <sender${index % 3}@shop.test>`,
        to: index % 2 === 0 ? ALICE.email : 'bob@corp.test',
        subject: `${subjects[index % subjects.length]} #${index}`,
        headers:
          index % 5 === 0
            ? { 'X-Virus-Status': 'Infected (Win.Trojan.Agent-1234)' }
            : { 'X-Spam-Status': `Yes, score=${6 + index} required=5.0 tests=BAYES_99,URIBL_BLACK` },
        text: `Message number ${index}`,
        html: `<h2>${subjects[index % subjects.length]}</h2><p>Message number <b>${index}</b>.</p>`,
        ...(index % 5 === 0
          ? { attachments: [{ filename: `document-${index}.pdf`, content: Buffer.alloc(2000, 1) }] }
          : {}),
      });
    }
    smtp.close();
    items = ((await admin.request('/api/quarantine?limit=100')).body as { items: ListedItem[] }).items;
    expect(items).toHaveLength(12);
    // One finished job, for the job page.
    const job = await admin.request('/api/quarantine/jobs', {
      method: 'POST',
      json: { action: 'delete', ids: [items.find((item) => item.subject === 'Meeting notes #11')!.id] },
    });
    expect(job.status, job.text).toBe(202);
    jobId = (job.body as { job: { id: string } }).job.id;

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

  const itemId = (subject: string) => items.find((item) => item.subject === subject)!.id;
  const rows = () => page.getByTestId('item-row');

  it('the sign-in page, also with its error', async () => {
    await page.goto(`${serve.baseUrl}/sign-in`);
    await page.getByLabel('Email').waitFor();
    await expectAccessible(page, 'sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel(/^Password/).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').first().waitFor();
    await expectAccessible(page, 'sign-in-failed');
  });

  it('search, select, release and confirm with the keyboard alone; Escape closes, focus comes back', async () => {
    await page.goto(`${serve.baseUrl}/sign-in`);
    await page.getByLabel('Email').waitFor();
    // The email field has the focus; Tab goes on to the password, Enter signs in.
    await page.keyboard.type(ADMIN.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/quarantine$/);
    await rows().first().waitFor();

    await page.keyboard.press('/');
    expect((await focused(page)).focusVisible).toBe(true);
    await page.keyboard.type('subject:lottery');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=subject%3Alottery/);
    await expect.poll(() => rows().count()).toBe(3);
    await page.keyboard.press('Escape');

    // j/k move the focus along the rows, x selects the focused one.
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await expect.poll(async () => (await focused(page)).id).toBe('row-0');
    const row = await focused(page);
    expect(row.focusVisible && row.ring, 'the focused row shows a focus ring').toBe(true);
    await page.keyboard.press('x');
    await page.keyboard.press('j');
    await expect.poll(async () => (await focused(page)).id).toBe('row-1');
    await page.keyboard.press('x');
    await page
      .getByTestId('selection-count')
      .filter({ hasText: /^2 messages selected$/ })
      .waitFor();

    // r asks; the dialog takes the focus, on its confirming button, visibly.
    await page.keyboard.press('r');
    const dialog = page.getByRole('dialog', { name: 'Release 2 messages?' });
    await dialog.waitFor();
    await expect.poll(async () => (await focused(page)).text).toBe('Release 2 messages');
    const confirmButton = await focused(page);
    expect(confirmButton.focusVisible && confirmButton.ring, 'the focused button shows a focus ring').toBe(
      true,
    );
    await expectAccessible(page, 'bulk-confirm-dialog');
    // Escape closes it without acting, and the focus is back on the row it came from.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(async () => (await focused(page)).id).toBe('row-1');
    expect(downstream.deliveries).toHaveLength(0);

    await page.keyboard.press('r');
    await dialog.waitFor();
    await expect.poll(async () => (await focused(page)).text).toBe('Release 2 messages');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await downstream.waitForDeliveries(2);
    await page.getByTestId('item-row').filter({ hasText: 'released' }).nth(1).waitFor({ timeout: 30_000 });
    expect(pageErrors).toEqual([]);
  });

  it('the list, with a selection and its bulk bar', async () => {
    await page.goto(`${serve.baseUrl}/quarantine`);
    await rows().first().waitFor();
    await expectAccessible(page, 'list');
    await rows().first().getByRole('checkbox').check();
    await page.getByTestId('bulk-bar').waitFor();
    await expectAccessible(page, 'list-selection');
    await page.getByTestId('bulk-bar').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').waitFor();
    await expectAccessible(page, 'bulk-delete-dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it('the message page and its release confirmation', async () => {
    await page.goto(`${serve.baseUrl}/quarantine/${itemId('Invoice overdue #0')}`);
    await page.getByRole('heading', { level: 1, name: 'Invoice overdue #0' }).waitFor();
    await page.locator('iframe').waitFor();
    await expectAccessible(page, 'message');
    await page.getByRole('button', { name: 'Release', exact: true }).click();
    await page.getByRole('dialog').waitFor();
    await expectAccessible(page, 'release-confirm-dialog');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Release to…' }).click();
    await page
      .getByRole('dialog')
      .getByLabel(/Deliver to/)
      .fill('not an address');
    await expectAccessible(page, 'release-to-dialog');
    await page.keyboard.press('Escape');
  });

  for (const [name, path, ready] of [
    ['settings', '/settings', 'Settings'],
    ['dashboard', '/dashboard', 'Dashboard'],
    ['users', '/admin/users', 'Users'],
    ['tokens', '/admin/tokens', 'API tokens'],
    ['audit', '/admin/audit', 'Audit log'],
    ['digests-and-lists', '/admin/digests', 'Digests and sender lists'],
    ['not-found', '/no/such/page', 'Page not found'],
  ] as const) {
    it(`the ${name} page`, async () => {
      await page.goto(`${serve.baseUrl}${path}`);
      await page.getByRole('heading', { level: 1, name: ready }).waitFor();
      await loadersGone(page);
      await expectAccessible(page, name);
    });
  }

  it("a user's page", async () => {
    await page.goto(`${serve.baseUrl}/admin/users/${aliceId}`);
    await page.getByRole('heading', { level: 1, name: ALICE.email }).waitFor();
    await loadersGone(page);
    await expectAccessible(page, 'user');
  });

  it('the list and the navigation at phone width', async () => {
    const phone = await browser.newPage({ width: 390, height: 844 });
    try {
      await phone.goto(`${serve.baseUrl}/quarantine`);
      await phone.getByTestId('item-row').first().waitFor();
      await expectAccessible(phone, 'list-phone');
      await phone.getByRole('button', { name: 'Toggle navigation' }).click();
      await phone.getByRole('link', { name: 'Audit log' }).waitFor();
      await expectAccessible(phone, 'navigation-phone');
    } finally {
      await phone.close();
    }
  });

  it('the job page', async () => {
    await page.goto(`${serve.baseUrl}/jobs/${jobId}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await expectAccessible(page, 'job');
  });

  it('the digest link pages: confirmation, result and refusal', async () => {
    const context = browser.context;
    await context.clearCookies();
    const link = await context.newPage();
    try {
      await link.goto(linkFor('release', itemId('Invoice overdue #0')));
      await link.getByRole('button', { name: 'Release' }).waitFor();
      await expectAccessible(link, 'digest-link-confirm');
      await link.getByRole('button', { name: 'Release' }).click();
      await link.getByRole('heading', { name: 'Done' }).waitFor();
      await expectAccessible(link, 'digest-link-result');
      await link.goto(`${serve.baseUrl}/link/not-a-token`);
      await link.getByRole('heading', { name: 'This link is not valid' }).waitFor();
      await expectAccessible(link, 'digest-link-refused');
    } finally {
      await link.close();
    }
    await signInThroughUi(page, serve.baseUrl, ADMIN.email, ADMIN.password);
  });
});
