import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectAccessible } from '../support/axe.js';
import { type Browser, describeWithChromium, launchChromium, screenshot } from '../support/browser.js';
import { docSnippets } from '../support/docs-snippets.js';
import { TestOidcProvider } from '../support/oidc-provider.js';
import { ServeProcess } from '../support/serve-process.js';

const CLIENT_SECRET = 'oidc-e2e-client-secret-0123456789';

describeWithChromium(
  'web UI in Chromium: single sign-on required, sign in with an OpenID provider, see the mail of an alias',
  () => {
    let dataDir: string;
    let provider: TestOidcProvider;
    let serve: ServeProcess;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-oidc-'));
      provider = await new TestOidcProvider().listen();
      const secretFile = join(dataDir, 'client-secret');
      await writeFile(secretFile, CLIENT_SECRET);
      const keycloak = docSnippets('authentication.md').get('keycloak') as {
        auth: { oidc: { providers: Record<string, unknown>[] } };
      };
      serve = await new ServeProcess({
        LAZARET_DATA_DIR: dataDir,
        LAZARET_ADMIN_EMAIL: 'root@corp.test',
        LAZARET_ADMIN_PASSWORD: 'oidc-e2e-password',
        LAZARET_DIGEST_ENABLED: 'false',
        LAZARET_REQUIRE_SSO: 'true',
        LAZARET_BREAK_GLASS_ADMINS: 'root@corp.test',
        LAZARET_OIDC_PROVIDERS: JSON.stringify([
          {
            ...keycloak.auth.oidc.providers[0],
            id: 'corp',
            label: 'Corp SSO',
            issuer: provider.issuer,
            clientSecretFile: secretFile,
          },
        ]),
      }).start();
      provider.configure(
        [
          {
            clientId: 'lazaret',
            clientSecret: CLIENT_SECRET,
            redirectUris: [`${serve.baseUrl}/api/auth/oidc/corp/callback`],
            postLogoutRedirectUris: [`${serve.baseUrl}/sign-in`],
          },
        ],
        ['mail_aliases', 'mail_domains'],
      );
      provider.accounts.set('alice', {
        sub: 'alice',
        claims: {
          email: 'alice@corp.test',
          email_verified: true,
          name: 'Alice',
          groups: ['staff'],
          mail_aliases: ['sales@corp.test'],
        },
      });
      const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true });
      await smtp.sendMail({
        from: 'Deals <deals@shop.example>',
        to: 'sales@corp.test',
        subject: 'Mail to the sales alias',
        text: 'held for the alias',
      });
      browser = await launchChromium();
      page = await browser.context.newPage();
    });
    afterAll(async () => {
      await browser?.close();
      await serve?.stop();
      await provider?.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('signs in through the provider login page and lists the mail of the alias', async () => {
      await page.goto(`${serve.baseUrl}/sign-in`);
      await page.getByRole('link', { name: 'Sign in with Corp SSO' }).waitFor();
      // Single sign-on is required: no password form, only the provider's button.
      expect(await page.getByLabel('Email').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Administrator sign-in' }).isVisible()).toBe(true);
      await screenshot(page, 'sso-required-sign-in');
      await expectAccessible(page, 'sign-in-sso-required');
      await page.getByRole('link', { name: 'Sign in with Corp SSO' }).click();
      await page.waitForURL((url) => url.href.startsWith(provider.issuer));
      await page.locator('input[name="login"]').fill('alice');
      await page.locator('input[name="password"]').fill('any password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(/\/quarantine$/);
      await page.getByText('Mail to the sales alias').first().waitFor();
      expect(await page.getByTestId('who-am-i').textContent()).toMatch(/Signed in as alice@corp\.test/);
      await screenshot(page, 'oidc-signed-in');

      await page.getByTestId('who-am-i').click();
      await page.getByRole('menuitem', { name: 'Sign out' }).click();
      await page.waitForURL((url) => url.href.startsWith(provider.issuer));
    });

    it('still lets the break-glass administrator in with their password, behind the administrator link', async () => {
      const admin = await browser.newPage();
      await admin.goto(`${serve.baseUrl}/sign-in`);
      await admin.getByRole('button', { name: 'Administrator sign-in' }).click();
      await admin.getByLabel('Email').fill('root@corp.test');
      await admin.getByLabel(/^Password/).fill('oidc-e2e-password');
      await admin.getByRole('button', { name: 'Sign in', exact: true }).click();
      await admin.waitForURL(/\/quarantine$/);
      expect(await admin.getByTestId('who-am-i').textContent()).toMatch(/Signed in as root@corp\.test/);
      await admin.close();
    });
  },
);
