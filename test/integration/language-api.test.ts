import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { ApiClient } from '../support/api-client.js';
import { tempDir, testConfig } from '../support/env.js';
import { message } from '../support/mail.js';
import { runCli } from '../support/serve-process.js';
import { sendRaw } from '../support/smtp-client.js';

const PASSWORD = 'language-api-password-1';

describe('the language: own choice, else Accept-Language, else i18n.defaultLanguage', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: RunningServer;
  let env: Record<string, string>;
  let alice: ApiClient;
  const base = () => `http://127.0.0.1:${server.httpAddress.port}`;

  beforeAll(async () => {
    dir = await tempDir();
    env = {
      LAZARET_DATA_DIR: dir.path,
      LAZARET_ADMIN_EMAIL: 'root@corp.test',
      LAZARET_ADMIN_PASSWORD: PASSWORD,
      LAZARET_DIGEST_ENABLED: 'false',
      LAZARET_DEFAULT_LANGUAGE: 'fr',
      LAZARET_PUBLIC_URL: 'https://quarantine.corp.test',
    };
    server = await startServer(
      testConfig({ ...env, LAZARET_SMTP_PORT: 0, LAZARET_HTTP_PORT: 0 }),
      createLogger('silent'),
      () => undefined,
    );
    const root = await ApiClient.login(base, 'root@corp.test', PASSWORD);
    const created = await root.request('/api/users', {
      method: 'POST',
      json: { email: 'alice@corp.test', role: 'user', password: PASSWORD },
    });
    expect(created.status, created.text).toBe(201);
    alice = await ApiClient.login(base, 'alice@corp.test', PASSWORD);
  });
  afterAll(async () => {
    await server?.close();
    await dir?.cleanup();
  });

  const asking = (acceptLanguage: string) => ({ headers: { 'accept-language': acceptLanguage } });

  it('before sign-in: the browser’s first language Lazaret speaks, else the configured default', async () => {
    const anonymous = new ApiClient(base);
    expect((await anonymous.request('/api/i18n')).body).toEqual({
      language: 'fr',
      defaultLanguage: 'fr',
      languages: ['en', 'de', 'fr'],
    });
    expect((await anonymous.request('/api/i18n', asking('de-AT,de;q=0.9,en;q=0.8'))).body).toMatchObject({
      language: 'de',
    });
    expect((await anonymous.request('/api/i18n', asking('es, en;q=0.5'))).body).toMatchObject({
      language: 'en',
    });
    expect((await anonymous.request('/api/i18n', asking('en;q=0, es'))).body).toMatchObject({
      language: 'fr',
    });
  });

  it('a user’s own choice wins over the browser; null follows the browser again', async () => {
    const me = await alice.request('/api/auth/me', asking('de'));
    expect(me.body).toMatchObject({ language: 'de', user: { language: null } });

    const chosen = await alice.request('/api/auth/me', { method: 'PATCH', json: { language: 'en' } });
    expect(chosen.status, chosen.text).toBe(200);
    expect(chosen.body).toMatchObject({ language: 'en', user: { language: 'en' } });
    expect((await alice.request('/api/auth/me', asking('de'))).body).toMatchObject({ language: 'en' });

    const cleared = await alice.request('/api/auth/me', {
      method: 'PATCH',
      json: { language: null },
      ...asking('de'),
    });
    expect(cleared.body).toMatchObject({ language: 'de', user: { language: null } });
    expect((await alice.request('/api/auth/me')).body).toMatchObject({ language: 'fr' });
  });

  it('refuses a language it does not speak, a body with more, and a change without the CSRF token', async () => {
    for (const json of [{ language: 'xx' }, { language: 'EN' }, { language: 'de', role: 'admin' }, {}]) {
      const refused = await alice.request('/api/auth/me', { method: 'PATCH', json });
      expect(refused.status, JSON.stringify(json)).toBe(400);
      expect((refused.body as { error: { code: string } }).error.code).toBe('validation_error');
    }
    const forged = await alice.request('/api/auth/me', {
      method: 'PATCH',
      json: { language: 'de' },
      withoutCsrf: true,
    });
    expect(forged.status).toBe(403);
    expect((forged.body as { error: { code: string } }).error.code).toBe('csrf_failed');
    expect((await alice.request('/api/auth/me')).body).toMatchObject({
      user: { language: null, role: 'user' },
    });
  });

  it('digest mails are written in the recipient’s language, else the default', async () => {
    const raw = message({ from: 'shop@spam.example', to: 'alice@corp.test', subject: 'Held one' });
    expect(
      (await sendRaw(server.smtpAddress.port, { from: 'shop@spam.example', to: ['alice@corp.test'] }, raw))
        .code,
    ).toBe(250);
    const preview = () => runCli(env, ['digest', 'send', '--user', 'alice@corp.test', '--dry-run']);

    const french = await preview();
    expect(french.code, french.stderr).toBe(0);
    expect(french.stdout).toContain('Résumé de quarantaine : 1 message retenu pour vous');
    expect(french.stdout).toContain('Objet: Held one');

    await alice.request('/api/auth/me', { method: 'PATCH', json: { language: 'de' } });
    const german = await preview();
    expect(german.stdout).toContain('Quarantäne-Übersicht: 1 Nachricht für Sie zurückgehalten');
    expect(german.stdout).toContain('Betreff: Held one');
    expect(german.stdout).toContain('Freigeben und Absender immer erlauben:');

    // The link's page speaks the language of the person it was sent to, whatever the browser asks.
    const link = /Löschen: +(https:\S+)/
      .exec(german.stdout)![1]!
      .replace('https://quarantine.corp.test', base());
    const page = await fetch(link, asking('en-US,en'));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('Diese zurückgehaltene Nachricht löschen?');
  });

  it('a link page for nobody known speaks the browser’s language, else the default', async () => {
    const german = await fetch(`${base()}/link/not-a-token`, asking('de-CH'));
    expect(german.status).toBe(400);
    const html = await german.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('Dieser Link ist ungültig');
    const fallback = await (await fetch(`${base()}/link/not-a-token`, asking('es'))).text();
    expect(fallback).toContain('<html lang="fr">');
    expect(fallback).toContain('Ce lien n’est pas valide');
  });
});
