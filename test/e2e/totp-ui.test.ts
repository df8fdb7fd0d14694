import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Browser, describeWithChromium, launchChromium, screenshot } from '../support/browser.js';
import { ServeProcess } from '../support/serve-process.js';

const ADMIN = { email: 'root@corp.test', password: 'totp-ui-password' };

/** The code for the time step `offset` steps from now (the server runs on this machine's clock). */
const codeOf = (secret: string, offset = 0) =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + offset * 30 });

describeWithChromium('web UI in Chromium: second factor set-up and the sign-in code step', () => {
  let dataDir: string;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let secret = '';
  let recoveryCodes: string[] = [];

  async function enterPassword(): Promise<void> {
    await browser.context.clearCookies();
    await page.goto(`${serve.baseUrl}/sign-in`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel(/^Password/).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-totp-'));
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_ADMIN_EMAIL: ADMIN.email,
      LAZARET_ADMIN_PASSWORD: ADMIN.password,
      LAZARET_DIGEST_ENABLED: 'false',
      LAZARET_REQUIRE_TOTP_FOR_ADMINS: 'true',
    }).start();
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('an administrator without a second factor is sent to set one up, scans it and sees the recovery codes once', async () => {
    await enterPassword();
    await page.waitForURL(/\/settings$/);
    await expect.poll(() => page.getByText('Set up a second factor to continue').isVisible()).toBe(true);
    await page.goto(`${serve.baseUrl}/quarantine`);
    await page.waitForURL(/\/settings$/);

    await page.getByRole('button', { name: 'Set up second factor' }).click();
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/gif;base64,/);
    secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await page.getByTestId('otpauth-uri').textContent()).toContain(`secret=${secret}`);
    await screenshot(page, 'totp-enrol');

    await page.getByLabel('Code from the app').fill(await codeOf(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const shown = page.getByTestId('recovery-codes');
    await shown.waitFor();
    recoveryCodes = (await shown.locator('code').allTextContents()).map((text) => text.trim());
    expect(recoveryCodes).toHaveLength(10);
    await expect
      .poll(() => page.getByText('Signing in takes a code from your authenticator app').isVisible())
      .toBe(true);

    await page.goto(`${serve.baseUrl}/quarantine`);
    await page.waitForURL(/\/quarantine$/);
    await page.reload();
    await page.goto(`${serve.baseUrl}/settings`);
    await page.getByTestId('second-factor').waitFor();
    expect(await page.getByTestId('recovery-codes').count()).toBe(0);
  });

  it('signing in asks for the code after the password, refuses a wrong one and accepts a recovery code', async () => {
    await enterPassword();
    const codeField = page.getByLabel('Code from your authenticator app');
    await codeField.waitFor();
    expect(page.url()).toMatch(/\/sign-in/);
    const accepted = new Set(await Promise.all([-1, 0, 1, 2].map((offset) => codeOf(secret, offset))));
    await codeField.fill(['000000', '111111', '222222'].find((code) => !accepted.has(code))!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'totp_invalid' }).waitFor();
    expect(page.url()).toMatch(/\/sign-in/);

    // The enrolment spent this step's code: the next step's is the first one that signs in.
    await codeField.fill(await codeOf(secret, 1));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/quarantine$/);
    await screenshot(page, 'totp-signed-in');

    await enterPassword();
    await page.getByLabel('Code from your authenticator app').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/quarantine$/);
    expect(pageErrors).toEqual([]);
  });
});
