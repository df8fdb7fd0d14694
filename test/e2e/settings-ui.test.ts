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

const PASSWORD = 'settings-ui-password';

describeWithChromium('web UI in Chromium: digest settings, sender lists, defaults, report as spam', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const clients: Record<string, ApiClient> = {};
  const pageErrors: string[] = [];

  /** Picks `option` in the Mantine select labelled `label`. */
  async function choose(label: string | RegExp, option: string, scope = page.locator('body')): Promise<void> {
    await scope.getByLabel(label, { exact: true }).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  async function signInAs(email: string): Promise<void> {
    await browser.context.clearCookies();
    await signInThroughUi(page, serve.baseUrl, email, PASSWORD);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-settings-'));
    downstream = await new Downstream().start();
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_ADMIN_EMAIL: 'root@corp.test',
      LAZARET_ADMIN_PASSWORD: PASSWORD,
      LAZARET_DIGEST_ENABLED: 'false',
    }).start();
    clients.root = await ApiClient.login(() => serve.baseUrl, 'root@corp.test', PASSWORD);
    for (const person of [
      { email: 'alice@corp.test', role: 'user' },
      { email: 'bob@corp.test', role: 'user' },
      { email: 'dora@corp.test', role: 'domain_admin', domains: ['corp.test'] },
    ]) {
      const created = await clients.root.request('/api/users', {
        method: 'POST',
        json: { ...person, password: PASSWORD },
      });
      expect(created.status, created.text).toBe(201);
      clients[person.email.split('@')[0]!] = await ApiClient.login(
        () => serve.baseUrl,
        person.email,
        PASSWORD,
      );
    }
    const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true });
    await smtp.sendMail({
      from: 'Deals <deals@shop.example>',
      to: 'alice@corp.test',
      subject: 'Big deals',
      text: 'x',
    });
    smtp.close();
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

  it('a person chooses their own digest schedule in Settings', async () => {
    await signInAs('alice@corp.test');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('digest-effective').waitFor();
    expect(await page.getByTestId('digest-effective').textContent()).toContain('You receive no digest');
    const form = page.getByRole('form', { name: 'Your schedule' });
    await choose('How often', 'Every day', form);
    await choose('At (local hour)', '07:00', form);
    await form.getByLabel('Time zone', { exact: true }).fill('Europe/Ber');
    await page.getByRole('option', { name: 'Europe/Berlin', exact: true }).click();
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByText('You receive: Daily at 07:00 (Europe/Berlin)').waitFor();
    const saved = await clients.alice!.request('/api/digest/settings');
    expect(saved.body).toMatchObject({
      own: { frequency: 'daily', hour: 7, timeZone: 'Europe/Berlin' },
      receives: true,
    });
    await screenshot(page, 'settings-digest');
    await form.getByRole('button', { name: 'Inherit everything' }).click();
    await page.getByText('You receive no digest').waitFor();
    expect(((await clients.alice!.request('/api/digest/settings')).body as { own: object }).own).toEqual({});
  });

  it('a person keeps their own allow/block list', async () => {
    await page.getByLabel('Sender address or domain').fill('Spam@Bulk.example');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByTestId('sender-entry').first().waitFor();
    expect(await page.getByTestId('sender-entry').first().textContent()).toContain('spam@bulk.example');
    const listed = (await clients.alice!.request('/api/lists')).body as {
      entries: { sender: string; action: string }[];
    };
    expect(listed.entries).toEqual([
      expect.objectContaining({ sender: 'spam@bulk.example', action: 'block' }),
    ]);
    await page.getByLabel('Sender address or domain').fill('not an address');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByText('Not added').waitFor();
    await page.getByRole('button', { name: 'Remove spam@bulk.example' }).click();
    await page.getByText('Nobody is on this list yet.').waitFor();
    expect(((await clients.alice!.request('/api/lists')).body as { entries: unknown[] }).entries).toEqual([]);
  });

  it('reports a held message as spam and allows its sender from the message page', async () => {
    await page.getByRole('link', { name: 'Quarantine' }).click();
    await page.getByTestId('item-row').first().click();
    await page.getByRole('button', { name: 'More…' }).click();
    await page.getByRole('menuitem', { name: 'Report as spam' }).click();
    await page.getByText('Noted; no spam filter is set up to learn from reports.').waitFor();
    await page.getByRole('button', { name: 'More…' }).click();
    await page.getByRole('menuitem', { name: 'Always allow deals@shop.example for me' }).click();
    await page.getByText('deals@shop.example is allowed for you from now on').waitFor();
    const listed = (await clients.alice!.request('/api/lists')).body as {
      entries: { sender: string; action: string }[];
    };
    expect(listed.entries).toEqual([
      expect.objectContaining({ sender: 'deals@shop.example', action: 'allow' }),
    ]);
    const audit = await clients.root!.request('/api/audit?action=item.report_spam');
    expect((audit.body as { entries: unknown[] }).entries).toHaveLength(1);
  });

  it('a domain admin sets their domain default and domain list; people inherit it', async () => {
    await signInAs('dora@corp.test');
    await page.getByRole('link', { name: 'Digests & lists' }).click();
    const form = page.getByRole('form', { name: 'corp.test schedule' });
    await form.waitFor();
    await choose('How often', 'Every week', form);
    await choose('On', 'Friday', form);
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByText('corp.test default saved').waitFor();
    expect((await clients.bob!.request('/api/digest/settings')).body).toMatchObject({
      effective: { frequency: 'weekly', weekday: 5 },
      receives: true,
    });
    await page.getByLabel('Sender address or domain').fill('lottery.example');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByTestId('sender-entry').first().waitFor();
    const domainList = await clients.dora!.request('/api/lists?scope=domain&domain=corp.test');
    expect((domainList.body as { entries: { sender: string }[] }).entries).toEqual([
      expect.objectContaining({ sender: 'lottery.example', action: 'block', scope: 'domain' }),
    ]);
    // Only administrators see the global default.
    expect(await page.getByRole('form', { name: 'Global schedule' }).count()).toBe(0);
    await screenshot(page, 'digest-admin');
  });

  it('an administrator sets the global default', async () => {
    await signInAs('root@corp.test');
    await page.getByRole('link', { name: 'Digests & lists' }).click();
    const form = page.getByRole('form', { name: 'Global schedule' });
    await form.waitFor();
    await choose('How often', 'Every day', form);
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Global default saved').waitFor();
    const defaults = await clients.root!.request('/api/digest/defaults');
    expect(defaults.body).toMatchObject({
      global: { schedule: { frequency: 'daily' }, updatedBy: 'root@corp.test' },
    });
    expect(pageErrors).toEqual([]);
  });
});
