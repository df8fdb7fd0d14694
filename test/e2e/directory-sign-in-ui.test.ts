import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Browser, describeWithChromium, launchChromium, screenshot } from '../support/browser.js';
import { docConfigBlock, docSnippets } from '../support/docs-snippets.js';
import { missingPrograms } from '../support/env.js';
import { TestOidcProvider } from '../support/oidc-provider.js';
import { ServeProcess } from '../support/serve-process.js';
import {
  LDAP_SERVICE_PASSWORD,
  SLAPD_PROGRAMS,
  type Slapd,
  startSlapd,
  TEST_CA_FILE,
} from '../support/slapd.js';

const CLIENT_SECRET = 'directory-e2e-client-secret-0123456789';
const missing = missingPrograms('directory sign-in in the web UI', SLAPD_PROGRAMS);

/**
 * The walkthrough of docs/authentication.md: its Active Directory block and its Keycloak example in
 * one config file, pointed at a private slapd and the test OpenID provider, with single sign-on
 * required. A directory person signs in with their directory password in Chromium and finds the mail
 * held for an alias of theirs (a `smtp:` value of proxyAddresses).
 */
describeWithChromium(
  'web UI in Chromium: following docs/authentication.md, a directory user sees the mail of their alias',
  () => {
    let dir: string;
    let slapd: Slapd;
    let provider: TestOidcProvider;
    let serve: ServeProcess;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      if (missing.length > 0) return;
      dir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-directory-'));
      slapd = await startSlapd(join(dir, 'slapd'));
      provider = await new TestOidcProvider().listen();
      const clientSecretFile = join(dir, 'keycloak-client-secret');
      await writeFile(clientSecretFile, CLIENT_SECRET);
      const bindPasswordFile = join(dir, 'ldap-bind-password');
      await writeFile(bindPasswordFile, `${LDAP_SERVICE_PASSWORD}\n`, { mode: 0o600 });

      const directory = JSON.parse(docConfigBlock('authentication.md', 'active-directory')) as {
        auth: { ldap: Record<string, unknown> };
      };
      const keycloak = docSnippets('authentication.md').get('keycloak') as {
        auth: { oidc: { providers: Record<string, unknown>[] } };
      };
      // This machine's paths and addresses in place of the documented ones, as an operator would write them.
      const config = {
        auth: {
          requireSso: true,
          ldap: { ...directory.auth.ldap, caFile: TEST_CA_FILE, bindPasswordFile, url: slapd.ldapsUrl },
          oidc: {
            providers: [{ ...keycloak.auth.oidc.providers[0], issuer: provider.issuer, clientSecretFile }],
          },
        },
      };
      const configFile = join(dir, 'lazaret.json');
      await writeFile(configFile, JSON.stringify(config));
      serve = await new ServeProcess({
        LAZARET_CONFIG: configFile,
        LAZARET_DATA_DIR: join(dir, 'data'),
        LAZARET_ADMIN_EMAIL: 'root@corp.test',
        LAZARET_ADMIN_PASSWORD: 'directory-e2e-password',
        LAZARET_DIGEST_ENABLED: 'false',
      }).start();
      provider.configure([
        {
          clientId: 'lazaret',
          clientSecret: CLIENT_SECRET,
          redirectUris: [`${serve.baseUrl}/api/auth/oidc/keycloak/callback`],
          postLogoutRedirectUris: [`${serve.baseUrl}/sign-in`],
        },
      ]);
      const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true });
      await smtp.sendMail({
        from: 'Offers <offers@shop.example>',
        to: 'a.liddell@example.org',
        subject: 'Held for the alias of a directory user',
        text: 'to the proxyAddresses alias',
      });
      await smtp.sendMail({
        from: 'Offers <offers@shop.example>',
        to: 'bob@example.org',
        subject: 'Held for someone else',
        text: 'not for alice',
      });
      browser = await launchChromium();
      page = await browser.context.newPage();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await serve?.stop();
      await provider?.close();
      await slapd?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it.skipIf(missing.length > 0)(
      'signs in with the directory password on the sign-in page and lists the mail of the proxyAddresses alias',
      async () => {
        await page.goto(`${serve.baseUrl}/sign-in`);
        // SSO is required, but the directory's people sign in with this form: it is shown, beside the provider.
        await page.getByRole('link', { name: 'Sign in with Example Corp' }).waitFor();
        await page.getByLabel('Email').fill('alice@example.org');
        await page.getByLabel(/^Password/).fill('alice-password');
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL(/\/quarantine$/);
        await page.getByText('Held for the alias of a directory user').first().waitFor();
        expect(await page.getByTestId('who-am-i').textContent()).toMatch(/Signed in as alice@example\.org/);
        expect(await page.getByText('Held for someone else').count()).toBe(0);
        await screenshot(page, 'directory-user-alias-mail');
      },
    );
  },
);
