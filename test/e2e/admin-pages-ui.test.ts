import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { QuarantineItem } from '../../src/core/types.js';
import { openStores } from '../../src/store/open-stores.js';
import { ApiClient } from '../support/api-client.js';
import {
  type Browser,
  describeWithChromium,
  launchChromium,
  screenshot,
  signInThroughUi,
} from '../support/browser.js';
import { buildItems, buildMessage, buildUser } from '../support/builders.js';
import { Downstream } from '../support/downstream.js';
import { testConfig, waitUntil } from '../support/env.js';
import { message } from '../support/mail.js';
import { ServeProcess } from '../support/serve-process.js';

const ADMIN = { email: 'root@corp.test', password: 'admin-pages-root-pw' };
const ANN = { email: 'ann@corp.test', password: 'admin-pages-ann-pw' };
/** An account linked to an identity at OpenID Connect provider `corp`, as a first SSO sign-in leaves it. */
const ERIN = buildUser({ email: 'erin@corp.test', externalId: 'oidc:corp:erin-sub' });
const LAST_YEAR = new Date().getUTCFullYear() - 1;
/** Items of many recipients: more than one page of the list (200), so the total is counted. */
const CROWD = 230;

describeWithChromium('web UI in Chromium: lists, the user page and the audit log in words', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let admin: ApiClient;
  let annId: string;
  const ids = new Map<string, string>();
  const pageErrors: string[] = [];
  const base = () => serve.baseUrl;

  /** Stores a message for `recipients` as ingest would, before serve opens the store. */
  async function seed(subject: string, recipients: string[], overrides: Partial<QuarantineItem> = {}) {
    const stores = await openStores(testConfig({ LAZARET_DATA_DIR: dataDir }));
    try {
      const raw = message({ to: recipients[0]!, subject });
      const receivedAt = overrides.receivedAt ?? new Date().toISOString();
      const held = buildMessage({
        size: raw.length,
        receivedAt,
        envelope: { mailFrom: 'sender@shop.example', rcptTo: recipients },
        headers: { from: 'Shop <sender@shop.example>', fromAddress: 'sender@shop.example', subject },
      });
      const items = buildItems(held, recipients, overrides);
      await stores.blobs.put(held.blobKey, raw);
      await stores.items.putMessage(held, items);
      ids.set(subject, items[0]!.id);
    } finally {
      await stores.close();
    }
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-admin-pages-'));
    await seed('Old offer', [ANN.email], { receivedAt: `${LAST_YEAR}-06-15T10:00:00.000Z` });
    await seed('Fresh offer', [ANN.email]);
    await seed('Refused one', ['refused@corp.test']);
    await seed('Delivered one', ['carl@corp.test']);
    await seed('Released before', [ANN.email], {
      status: 'released',
      release: { to: [ANN.email], by: 'root@corp.test', at: new Date().toISOString(), reply: '250 OK' },
    });
    await seed('Livestatus refused', ['refused-live@corp.test']);
    await seed('Livestatus held', ['dave@corp.test']);
    await seed(
      'Crowd',
      Array.from({ length: CROWD }, (_, index) => `crowd${index}@corp.test`),
    );
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
    admin = await ApiClient.login(base, ADMIN.email, ADMIN.password);
    const created = await admin.request('/api/users', {
      method: 'POST',
      json: { email: ANN.email, role: 'user', password: ANN.password },
    });
    expect(created.status, created.text).toBe(201);
    annId = (created.body as { user: { id: string } }).user.id;
    // Written to the store beside the running server, as the CLI does (the first user would have
    // stopped the server from creating its administrator).
    const stores = await openStores(testConfig({ LAZARET_DATA_DIR: dataDir }));
    await stores.users.createUser(ERIN).finally(() => stores.close());
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

  it('a user starts on their held mail, without a To column; old mail shows its year', async () => {
    const annPage = await browser.newPage();
    annPage.on('pageerror', (error) => pageErrors.push(error.message));
    await signInThroughUi(annPage, base(), ANN.email, ANN.password);
    await annPage.getByTestId('item-row').first().waitFor();
    await expect(annPage.getByTestId('search-input').inputValue()).resolves.toBe(
      'status:quarantined,release_requested',
    );
    const subjects = await annPage.getByTestId('item-row').allTextContents();
    expect(subjects).toHaveLength(2);
    expect(subjects.some((text) => text.includes('Released before'))).toBe(false);
    await expect(annPage.getByRole('columnheader', { name: 'To' }).count()).resolves.toBe(0);
    await expect(annPage.getByRole('columnheader', { name: 'From' }).count()).resolves.toBe(1);
    await expect(annPage.getByTestId('list-status').textContent()).resolves.toBe('2 matching · 2 loaded');
    const old = annPage.getByTestId('item-row').filter({ hasText: 'Old offer' });
    await expect(old.textContent()).resolves.toContain(String(LAST_YEAR));
    const fresh = annPage.getByTestId('item-row').filter({ hasText: 'Fresh offer' });
    await expect(fresh.textContent()).resolves.not.toContain(String(new Date().getFullYear()));
    await expect(annPage.getByLabel('Status', { exact: true }).first().inputValue()).resolves.toBe('waiting');
    await screenshot(annPage, 'list-user-default');

    // An emptied search shows everything of theirs, released mail too.
    await annPage.getByTestId('search-input').fill('');
    await annPage.getByTestId('search-input').press('Enter');
    await annPage.getByTestId('item-row').filter({ hasText: 'Released before' }).waitFor();
    // The total comes from its own request, possibly after the rows.
    await expect.poll(() => annPage.getByTestId('list-status').textContent()).toBe('3 matching · 3 loaded');

    // Nothing matching: the list says so and offers the way back.
    await annPage.getByTestId('search-input').fill('subject:nowhere-to-be-found');
    await annPage.getByTestId('search-input').press('Enter');
    await expect(annPage.getByTestId('list-empty').textContent()).resolves.toContain(
      'No messages match “subject:nowhere-to-be-found”.',
    );
    await annPage.getByRole('button', { name: 'Show all messages' }).click();
    await annPage.getByTestId('item-row').filter({ hasText: 'Released before' }).waitFor();
    await annPage.close();
    // One profile for every page: the next tests sign in as the administrator.
    await browser.context.clearCookies();
  });

  it('an administrator sees the To column and the total of matches beyond the loaded page', async () => {
    await signInThroughUi(page, base(), ADMIN.email, ADMIN.password);
    await page.getByTestId('item-row').first().waitFor();
    await expect(page.getByRole('columnheader', { name: 'To' }).count()).resolves.toBe(1);
    await expect(page.getByTestId('search-input').inputValue()).resolves.toBe('');
    // 230 crowd items, ann's three (released mail is listed too), refused, carl's and the two live: 237.
    await waitUntil('the counted total', async () =>
      ((await page.getByTestId('list-status').textContent()) ?? '').startsWith(`${CROWD + 7} matching`),
    );
    await expect(page.getByTestId('list-status').textContent()).resolves.toBe(
      `${CROWD + 7} matching · 200 loaded, more as you scroll`,
    );
  });

  it('rows follow a running job: an item waiting for the mail server shows "releasing" without a reload', async () => {
    await page.goto(`${base()}/quarantine?q=${encodeURIComponent('subject:livestatus')}`);
    const held = page.getByTestId('item-row').filter({ hasText: 'Livestatus held' });
    await expect(held.getByTestId('row-status').textContent()).resolves.toBe('quarantined');
    // The mail server keeps the accepted message waiting for its answer; the refused one ends at once,
    // and its progress event makes the list fetch its rows again while the job still runs.
    downstream.hold();
    try {
      await page.getByRole('checkbox', { name: 'Select all loaded messages' }).check();
      await page.getByTestId('bulk-bar').getByRole('button', { name: 'Release', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Release 2 messages' }).click();
      await downstream.waitForHeld(1);
      await held.getByTestId('row-status').filter({ hasText: 'releasing' }).waitFor();
      await screenshot(page, 'list-live-status');
    } finally {
      downstream.release();
    }
    await held.getByTestId('row-status').filter({ hasText: 'released' }).waitFor();
    await expect(
      page
        .getByTestId('item-row')
        .filter({ hasText: 'Livestatus refused' })
        .getByTestId('row-status')
        .textContent(),
    ).resolves.toBe('quarantined');
  });

  it('the user page changes role fields, resets the password once, and shows their tokens and activity', async () => {
    await page.goto(`${base()}/admin/users`);
    await page.getByRole('link', { name: ANN.email }).click();
    await page.waitForURL(`${base()}/admin/users/${annId}`);
    await page.getByRole('heading', { level: 1, name: ANN.email }).waitFor();
    await expect(page.getByTestId('totp-state').textContent()).resolves.toBe('Second factor: none');
    await expect(page.getByRole('button', { name: 'Reset second factor…' }).count()).resolves.toBe(0);
    await expect(page.getByTestId('tokens-empty').textContent()).resolves.toBe('No API tokens.');
    await expect(page.getByTestId('user-digest-effective').textContent()).resolves.toContain('Never');
    // Ann signed in in the first test: her activity lists it.
    await page.getByTestId('audit-entry').filter({ hasText: 'Signed in' }).first().waitFor();

    // Release mode: one save, one audit entry, and it stays after a reload.
    await page.getByLabel('Release mode', { exact: true }).first().click();
    await page.getByRole('option', { name: 'Asks an administrator to release' }).click();
    await page
      .locator('form')
      .filter({ hasText: 'Role and mail' })
      .getByRole('button', { name: 'Save', exact: true })
      .click();
    await page.getByText(`${ANN.email} saved`).waitFor();
    await page.reload();
    await expect(page.getByLabel('Release mode', { exact: true }).first().inputValue()).resolves.toBe(
      'Asks an administrator to release',
    );
    const annUser = (await admin.request(`/api/users/${annId}`)).body as { user: { releaseMode: string } };
    expect(annUser.user.releaseMode).toBe('request');

    // Password reset: confirmed first, the new one shown once, the old one refused from now on.
    await page.getByRole('button', { name: 'Reset password…' }).click();
    await expect(page.getByRole('dialog').textContent()).resolves.toContain(
      `${ANN.email} gets a new generated password`,
    );
    await page.getByRole('dialog').getByRole('button', { name: 'Reset password' }).click();
    const generated = (await page
      .getByTestId('generated-password')
      .locator('pre, code')
      .first()
      .textContent())!;
    expect(generated.length).toBeGreaterThanOrEqual(10);
    await screenshot(page, 'user-page');
    const anonymous = new ApiClient(base);
    const login = (password: string) =>
      anonymous.request('/api/auth/login', { method: 'POST', json: { email: ANN.email, password } });
    expect((await login(ANN.password)).status).toBe(401);
    expect((await login(generated)).status).toBe(200);

    // Disable and enable again.
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByTestId('user-disabled').waitFor();
    expect((await login(generated)).status).toBe(401);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByTestId('user-disabled').waitFor({ state: 'detached' });
    expect((await login(generated)).status).toBe(200);

    // A token created elsewhere shows up here, and can be revoked here.
    const token = await admin.request(`/api/users/${annId}/tokens`, {
      method: 'POST',
      json: { scope: 'read', name: 'ann-phone' },
    });
    expect(token.status, token.text).toBe(201);
    await page.reload();
    await page.getByRole('button', { name: 'Revoke ann-phone' }).click();
    await page.getByText('revoked').waitFor();
  });

  it('the audit log names people by email, tells jobs in counts with a link, and filters', async () => {
    const started = await admin.request('/api/quarantine/jobs', {
      method: 'POST',
      json: { action: 'release', ids: [ids.get('Refused one'), ids.get('Delivered one')] },
    });
    expect(started.status, started.text).toBe(202);
    const jobId = (started.body as { job: { id: string } }).job.id;
    await waitUntil('the job to end', async () => {
      const job = (await admin.request(`/api/quarantine/jobs/${jobId}`)).body as { job: { state: string } };
      return job.job.state === 'completed';
    });
    await waitUntil('the job in the audit log', async () => {
      const audit = await admin.request(`/api/audit?jobId=${jobId}&action=job.release`);
      return (audit.body as { entries: unknown[] }).entries.length > 0;
    });

    await page.goto(`${base()}/admin/audit`);
    const job = page.getByTestId('audit-entry').filter({ has: page.locator(`a[href="/jobs/${jobId}"]`) });
    await expect(job.getByTestId('audit-text').textContent()).resolves.toBe(
      'Released 2 items (1 ok, 1 failed)',
    );
    await expect(job.textContent()).resolves.toContain(ADMIN.email);
    await expect(job.textContent()).resolves.not.toMatch(/[0-9A-HJKMNP-TV-Z]{26}/);
    const people = page.getByTestId('audit-entry').filter({ hasText: `Set the password of ${ANN.email}` });
    await expect(people.count()).resolves.toBe(1);
    await expect(page.getByTestId('audit-table').textContent()).resolves.not.toMatch(
      /[0-9A-HJKMNP-TV-Z]{26}/,
    );
    await screenshot(page, 'audit-log');

    // By person: what ann did (her sign-ins), nothing of root's.
    await page.getByLabel('Person', { exact: true }).fill(ANN.email);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/person=ann%40corp\.test/);
    // Until the filtered page arrives the previous entries are still shown: poll, do not read once.
    await expect
      .poll(async () => new Set(await page.getByTestId('audit-text').allTextContents()))
      .toEqual(new Set(['Signed in']));

    // By action, then from tomorrow on: nothing, said so.
    await page.getByLabel('Person', { exact: true }).fill('');
    await page.getByLabel('Action', { exact: true }).first().click();
    await page.getByRole('option', { name: 'Release job' }).click();
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=job\.release/);
    // This job and the one the list test started from the bulk bar.
    await expect
      .poll(() => page.getByTestId('audit-text').allTextContents())
      .toEqual(['Released 2 items (1 ok, 1 failed)', 'Released 2 items (1 ok, 1 failed)']);
    await job.getByRole('link', { name: 'job' }).click();
    await page.waitForURL(`${base()}/jobs/${jobId}`);

    const tomorrow = new Date(Date.now() + 86_400_000);
    const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
    await page.goto(`${base()}/admin/audit?from=${day}`);
    await expect(page.getByTestId('empty-state').textContent()).resolves.toBe(
      'No audit entries match these filters.',
    );
  });

  it('the user page shows where an account signs in and unlinks it after a confirmation', async () => {
    await page.goto(`${base()}/admin/users/${ERIN.id}`);
    await page.getByRole('heading', { level: 1, name: ERIN.email }).waitFor();
    // No provider `corp` is configured on this server: its id stands in for its label.
    await expect(page.getByTestId('identity').textContent()).resolves.toBe('Signs in through corp');
    await page.getByRole('button', { name: 'Unlink…' }).click();
    await expect(page.getByRole('dialog').textContent()).resolves.toContain(
      `${ERIN.email} is signed out everywhere.`,
    );
    await page.getByRole('dialog').getByRole('button', { name: 'Unlink', exact: true }).click();
    await page.getByText(`${ERIN.email} unlinked from corp`).waitFor();
    await page.getByTestId('identity').waitFor({ state: 'detached' });
    await expect(page.getByRole('button', { name: 'Unlink…' }).count()).resolves.toBe(0);
    const erin = (await admin.request(`/api/users/${ERIN.id}`)).body as { user: { identity: unknown } };
    expect(erin.user.identity).toBeNull();
    // The audit log tells it in words, newest first.
    await page.goto(`${base()}/admin/audit`);
    await expect(page.getByTestId('audit-text').first().textContent()).resolves.toBe(
      'Unlinked erin@corp.test from their identity at corp',
    );
    expect(pageErrors).toEqual([]);
  });

  it('empty pages say so: tokens of someone without any', async () => {
    await page.goto(`${base()}/admin/tokens`);
    await expect(page.getByTestId('empty-state').textContent()).resolves.toBe(
      'No API tokens yet. Create one below; its secret is shown once.',
    );
    expect(pageErrors).toEqual([]);
  });
});
