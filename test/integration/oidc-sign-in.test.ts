import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { ApiClient } from '../support/api-client.js';
import { buildUser } from '../support/builders.js';
import { docConfigBlock, docSnippets } from '../support/docs-snippets.js';
import { tempDir, testConfig } from '../support/env.js';
import { TestOidcProvider } from '../support/oidc-provider.js';
import { runCli } from '../support/serve-process.js';

const PASSWORD = 'oidc-test-password-1';
const CLIENT_SECRET = 'oidc-test-client-secret-0123456789';

/** Answers of a browser that keeps cookies per host and path and follows redirects itself. */
class CookieBrowser {
  private readonly jar = new Map<string, Map<string, { value: string; path: string }>>();

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name)?.value;
  }

  setCookie(url: string, name: string, value: string, path = '/'): void {
    const host = new URL(url).host;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    this.jar.get(host)!.set(name, { value, path });
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = [...(this.jar.get(target.host) ?? new Map()).entries()]
      .filter(([, cookie]) => target.pathname.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookies ? { cookie: cookies } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...rest] = pair!.split('=');
      const path = attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='));
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired) this.jar.get(target.host)?.delete(name!.trim());
      else this.setCookie(url, name!.trim(), rest.join('='), path ? path.slice(5) : '/');
    }
    return response;
  }

  /** Follows redirects from `url` until `stop` says so or a page answers; returns the last URL and answer. */
  async follow(url: string, stop: (next: string) => boolean = () => false) {
    let current = url;
    for (let hop = 0; hop < 20; hop++) {
      const response = await this.fetch(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
      const next = new URL(location, current).href;
      if (stop(next)) return { url: next, response };
      current = next;
    }
    throw new Error('too many redirects');
  }

  /** Submits the only form of the provider's page at `pageUrl` with `fields`; answers where it redirects. */
  async submitForm(pageUrl: string, fields: Record<string, string>): Promise<string> {
    const page = await this.fetch(pageUrl);
    const html = await page.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`no form on ${pageUrl}: ${html.slice(0, 300)}`);
    const answer = await this.fetch(new URL(action, pageUrl).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt, ...fields }).toString(),
    });
    return new URL(answer.headers.get('location')!, pageUrl).href;
  }
}

/**
 * Starts at Lazaret (`origin`), signs in as `sub` and consents at the provider; stops before the
 * callback reaches Lazaret and answers its URL.
 */
async function throughProviderAt(
  origin: string,
  providerId: string,
  browser: CookieBrowser,
  sub: string,
  startQuery = '',
): Promise<string> {
  const isCallback = (url: string) => url.startsWith(`${origin}/api/auth/oidc/${providerId}/callback`);
  const start = await browser.follow(`${origin}/api/auth/oidc/${providerId}/start${startQuery}`, isCallback);
  let next = start.url;
  while (!isCallback(next)) {
    const html = await (await browser.fetch(next)).clone().text();
    next = await browser.submitForm(
      next,
      html.includes('name="login"') ? { login: sub, password: 'anything' } : {},
    );
    if (!isCallback(next)) next = (await browser.follow(next, isCallback)).url;
  }
  return next;
}

/** The error code of an API answer. */
async function codeOf(answer: Response): Promise<string> {
  return ((await answer.json()) as { error: { code: string } }).error.code;
}

describe('OpenID Connect sign-in against a real provider', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let provider: TestOidcProvider;
  let server: RunningServer;
  let root: ApiClient;
  const base = () => `http://127.0.0.1:${server.httpAddress.port}`;

  beforeAll(async () => {
    dir = await tempDir();
    provider = await new TestOidcProvider().listen();
    const secretFile = join(dir.path, 'oidc-client-secret');
    await writeFile(secretFile, `${CLIENT_SECRET}\n`);
    // The Keycloak example of docs/authentication.md, pointed at the test provider.
    const keycloak = docSnippets('authentication.md').get('keycloak') as {
      auth: { oidc: { providers: Record<string, unknown>[] } };
    };
    const providers = [
      {
        ...keycloak.auth.oidc.providers[0],
        id: 'corp',
        label: 'Corp SSO',
        issuer: provider.issuer,
        clientSecretFile: secretFile,
      },
      // The same provider, trusted to take over local accounts with its verified emails.
      {
        ...keycloak.auth.oidc.providers[0],
        id: 'corp-link',
        label: 'Corp SSO (linking)',
        issuer: provider.issuer,
        clientSecretFile: secretFile,
        linkLocalAccounts: true,
      },
    ];
    server = await startServer(
      testConfig({
        LAZARET_DATA_DIR: dir.path,
        LAZARET_SMTP_PORT: 0,
        LAZARET_HTTP_PORT: 0,
        LAZARET_ADMIN_EMAIL: 'root@corp.test',
        LAZARET_ADMIN_PASSWORD: PASSWORD,
        LAZARET_OIDC_PROVIDERS: JSON.stringify(providers),
      }),
      createLogger('silent'),
      () => undefined,
    );
    provider.configure(
      [
        {
          clientId: 'lazaret',
          clientSecret: CLIENT_SECRET,
          redirectUris: [
            `${base()}/api/auth/oidc/corp/callback`,
            `${base()}/api/auth/oidc/corp-link/callback`,
          ],
          postLogoutRedirectUris: [`${base()}/sign-in`],
        },
      ],
      ['mail_aliases', 'mail_domains'],
    );
    root = await ApiClient.login(base, 'root@corp.test', PASSWORD);
  });
  afterAll(async () => {
    await server?.close();
    await provider?.close();
    await dir?.cleanup();
  });

  function account(sub: string, claims: Record<string, unknown>): void {
    provider.accounts.set(sub, { sub, claims: { email_verified: true, name: sub, ...claims } });
  }

  const throughProvider = (browser: CookieBrowser, sub: string, startQuery = '', providerId = 'corp') =>
    throughProviderAt(base(), providerId, browser, sub, startQuery);

  async function signIn(
    sub: string,
    providerId = 'corp',
  ): Promise<{ browser: CookieBrowser; client: ApiClient }> {
    const browser = new CookieBrowser();
    const callback = await throughProvider(browser, sub, '', providerId);
    const answer = await browser.fetch(callback);
    expect(answer.status, await answer.clone().text()).toBe(302);
    expect(answer.headers.get('location')).toBe('/');
    const cookie = browser.cookie(base(), 'lazaret_session')!;
    const me = await new ApiClient(base, { kind: 'session', cookie, csrfToken: '' }).request('/api/auth/me');
    const csrfToken = (me.body as { csrfToken: string }).csrfToken;
    return { browser, client: new ApiClient(base, { kind: 'session', cookie, csrfToken }) };
  }

  async function me(client: ApiClient) {
    const answer = await client.request('/api/auth/me');
    expect(answer.status, answer.text).toBe(200);
    return (
      answer.body as {
        user: { id: string; email: string; role: string; domains: string[]; addresses: string[] };
      }
    ).user;
  }

  it('lists the providers to anyone, for the sign-in page', async () => {
    const answer = await new ApiClient(base).request('/api/auth/oidc/providers');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      providers: [
        { id: 'corp', label: 'Corp SSO', startUrl: '/api/auth/oidc/corp/start' },
        { id: 'corp-link', label: 'Corp SSO (linking)', startUrl: '/api/auth/oidc/corp-link/start' },
      ],
      passwordForm: 'shown',
    });
  });

  it('creates a user on first sign-in, with the addresses of the email and alias claims, and audits it', async () => {
    account('alice', {
      email: 'Alice@corp.test',
      groups: ['staff'],
      mail_aliases: ['sales@corp.test', 'a.smith@corp.test'],
    });
    const { client } = await signIn('alice');
    const user = await me(client);
    expect(user).toMatchObject({
      email: 'alice@corp.test',
      role: 'user',
      addresses: ['alice@corp.test', 'sales@corp.test', 'a.smith@corp.test'],
    });
    const logins = await root.request(`/api/audit?action=auth.login&actor=${user.id}`);
    expect(
      (logins.body as { entries: { params: Record<string, unknown> }[] }).entries[0]?.params,
    ).toMatchObject({
      method: 'oidc',
      provider: 'corp',
    });
  });

  it('maps groups to admin and a domains claim to domain admin; a user who leaves the group loses admin at the next sign-in', async () => {
    account('carol', { email: 'carol@corp.test', groups: ['staff', 'mail-admins'] });
    const first = await signIn('carol');
    expect(await me(first.client)).toMatchObject({ role: 'admin' });
    expect((await first.client.request('/api/users')).status).toBe(200);

    account('carol', { email: 'carol@corp.test', groups: ['staff'], mail_domains: ['corp.test'] });
    const second = await signIn('carol');
    expect(await me(second.client)).toMatchObject({ role: 'domain_admin', domains: ['corp.test'] });

    account('carol', { email: 'carol@corp.test', groups: ['staff'] });
    const third = await signIn('carol');
    const user = await me(third.client);
    expect(user).toMatchObject({ role: 'user', addresses: ['carol@corp.test'] });
    expect((await third.client.request('/api/users')).status).toBe(403);
  });

  it('returns to the page the person came from (a digest link), never to another site', async () => {
    account('nina', { email: 'nina@corp.test' });
    for (const [next, expected] of [
      [
        '/quarantine/01ARZ3NDEKTSV4RRFFQ69G5FAV?action=release',
        '/quarantine/01ARZ3NDEKTSV4RRFFQ69G5FAV?action=release',
      ],
      ['//evil.example/steal', '/'],
      ['https://evil.example/', '/'],
    ] as const) {
      const browser = new CookieBrowser();
      const url = await throughProvider(browser, 'nina', `?next=${encodeURIComponent(next)}`);
      const answer = await browser.fetch(url);
      expect(answer.status).toBe(302);
      expect(answer.headers.get('location')).toBe(expected);
    }
  });

  it('refuses to hand a local account to a provider identity with its email, unless the provider links local accounts', async () => {
    const created = await root.request('/api/users', {
      method: 'POST',
      json: { email: 'bob@corp.test', role: 'user', password: PASSWORD },
    });
    expect(created.status, created.text).toBe(201);
    const bobId = (created.body as { user: { id: string } }).user.id;
    account('bob-sub', { email: 'bob@corp.test' });
    const browser = new CookieBrowser();
    const refused = await browser.fetch(await throughProvider(browser, 'bob-sub'));
    expect(refused.status).toBe(409);
    expect(await codeOf(refused)).toBe('sso_link_refused');
    expect(browser.cookie(base(), 'lazaret_session')).toBeUndefined();
    const failures = await root.request('/api/audit?action=auth.login&limit=500');
    expect(
      (failures.body as { entries: { params: Record<string, unknown> }[] }).entries.some(
        (entry) => entry.params.reason === 'sso_link_refused' && entry.params.provider === 'corp',
      ),
    ).toBe(true);

    const { client } = await signIn('bob-sub', 'corp-link');
    expect((await me(client)).id).toBe(bobId);
    // Linked now: the password still works for bob (no SSO requirement here), and the link holds.
    expect((await ApiClient.login(base, 'bob@corp.test', PASSWORD)).credentials.kind).toBe('session');
  });

  it('keeps the account of a person whose email changed at the provider, matched by their subject', async () => {
    account('frank-sub', { email: 'frank@corp.test' });
    const first = await me((await signIn('frank-sub')).client);
    account('frank-sub', { email: 'frank.new@corp.test' });
    const second = await me((await signIn('frank-sub')).client);
    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({ email: 'frank@corp.test', addresses: ['frank.new@corp.test'] });
    const listed = await root.request('/api/users?limit=500');
    const emails = (listed.body as { users: { email: string }[] }).users.map((user) => user.email);
    expect(emails).toContain('frank@corp.test');
    expect(emails).not.toContain('frank.new@corp.test');
  });

  it('refuses a different person whose verified email is that of an account linked to someone else', async () => {
    account('gina-sub', { email: 'gina@corp.test' });
    const gina = await me((await signIn('gina-sub')).client);
    account('impostor-sub', { email: 'gina@corp.test' });
    for (const providerId of ['corp', 'corp-link']) {
      const browser = new CookieBrowser();
      const answer = await browser.fetch(await throughProvider(browser, 'impostor-sub', '', providerId));
      expect(answer.status).toBe(409);
      expect(await codeOf(answer)).toBe('sso_link_refused');
    }
    expect((await me((await signIn('gina-sub')).client)).id).toBe(gina.id);
  });

  it('lets an administrator unlink an account from its identity: its sessions end, audited, and the next sign-in with the email links it again', async () => {
    account('hana-sub', { email: 'hana@corp.test' });
    const first = await signIn('hana-sub');
    const hana = await me(first.client);
    const shown = await root.request(`/api/users/${hana.id}`);
    expect((shown.body as { user: { identity: unknown } }).user.identity).toEqual({
      method: 'oidc',
      provider: 'corp',
    });
    // The provider gave the email to someone else: refused while the account is linked to the first.
    account('hana-successor-sub', { email: 'hana@corp.test' });
    const browser = new CookieBrowser();
    const refused = await browser.fetch(await throughProvider(browser, 'hana-successor-sub'));
    expect(await codeOf(refused)).toBe('sso_link_refused');

    const unlinked = await root.request(`/api/users/${hana.id}/identity`, { method: 'DELETE' });
    expect(unlinked.status, unlinked.text).toBe(200);
    expect((unlinked.body as { user: { identity: unknown } }).user.identity).toBeNull();
    expect((await first.client.request('/api/auth/me')).status).toBe(401);
    const audit = await root.request(`/api/audit?action=user.update&limit=10`);
    const entries = (
      audit.body as { entries: { target: { userId?: string }; params: Record<string, unknown> }[] }
    ).entries;
    expect(
      entries.find((entry) => entry.target.userId === hana.id && entry.params.link === 'unlinked'),
    ).toMatchObject({
      params: {
        email: 'hana@corp.test',
        link: 'unlinked',
        method: 'oidc',
        provider: 'corp',
        sessionsEnded: 1,
      },
    });
    // Unlinking again changes nothing and writes no second entry.
    const again = await root.request(`/api/users/${hana.id}/identity`, { method: 'DELETE' });
    expect(again.status).toBe(200);
    const after = await root.request(`/api/audit?action=user.update&limit=10`);
    expect(
      (after.body as typeof audit.body & { entries: { params: Record<string, unknown> }[] }).entries.filter(
        (entry) => entry.params.link === 'unlinked' && entry.params.email === 'hana@corp.test',
      ),
    ).toHaveLength(1);

    const successor = await me((await signIn('hana-successor-sub')).client);
    expect(successor.id).toBe(hana.id);
    const relinked = await root.request(`/api/users/${hana.id}`);
    expect((relinked.body as { user: { identity: unknown } }).user.identity).toEqual({
      method: 'oidc',
      provider: 'corp',
    });
    // The first person's identity no longer opens the account.
    const formerBrowser = new CookieBrowser();
    const former = await formerBrowser.fetch(await throughProvider(formerBrowser, 'hana-sub'));
    expect(await codeOf(former)).toBe('sso_link_refused');

    // The same from the command line, on the server's store.
    const cliEnv = { LAZARET_DATA_DIR: dir.path };
    const cli = await runCli(cliEnv, ['user', 'unlink', 'hana@corp.test']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain('hana@corp.test is no longer linked to an identity; their sessions ended.');
    const shownAfterCli = await root.request(`/api/users/${hana.id}`);
    expect((shownAfterCli.body as { user: { identity: unknown } }).user.identity).toBeNull();
    const cliAgain = await runCli(cliEnv, ['user', 'unlink', 'hana@corp.test']);
    expect(cliAgain.code, cliAgain.stderr).toBe(0);
    expect(cliAgain.stderr).toContain('hana@corp.test is not linked to an identity; nothing changed.');
    const unknown = await runCli(cliEnv, ['user', 'unlink', 'nobody@corp.test']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No user nobody@corp.test');
  });

  it('links an account its directory (LDAP) linked before: an organisation moving to single sign-on keeps its accounts', async () => {
    const jon = buildUser({ email: 'jon@corp.test', externalId: 'ldap:directory:uid=jon,ou=people,dc=corp' });
    await server.context.auth.users.createUser(jon);
    account('jon-sub', { email: 'jon@corp.test' });
    expect((await me((await signIn('jon-sub')).client)).id).toBe(jon.id);
    const shown = await root.request(`/api/users/${jon.id}`);
    expect((shown.body as { user: { identity: unknown } }).user.identity).toEqual({
      method: 'oidc',
      provider: 'corp',
    });
  });

  it('answers 404 for unlinking a user that does not exist, and 403 to a non-administrator', async () => {
    const missing = await root.request('/api/users/01HZZZZZZZZZZZZZZZZZZZZZZZ/identity', {
      method: 'DELETE',
    });
    expect(missing.status).toBe(404);
    expect((missing.body as { error: { code: string } }).error.code).toBe('not_found');
    account('ivan-sub', { email: 'ivan@corp.test' });
    const ivan = await signIn('ivan-sub');
    const self = await me(ivan.client);
    const refused = await ivan.client.request(`/api/users/${self.id}/identity`, { method: 'DELETE' });
    expect(refused.status).toBe(403);
  });

  it('refuses an email the provider has not verified', async () => {
    account('eve', { email: 'eve@corp.test', email_verified: false });
    const browser = new CookieBrowser();
    const answer = await browser.fetch(await throughProvider(browser, 'eve'));
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('oidc_failed');
    expect(browser.cookie(base(), 'lazaret_session')).toBeUndefined();
  });

  it('refuses a tampered state, a callback without the flow cookie, and a tampered nonce', async () => {
    account('mallory', { email: 'mallory@corp.test' });

    const tamperedState = new CookieBrowser();
    const callback = new URL(await throughProvider(tamperedState, 'mallory'));
    callback.searchParams.set('state', 'forged-state');
    const stateAnswer = await tamperedState.fetch(callback.href);
    expect(stateAnswer.status).toBe(400);
    expect(((await stateAnswer.json()) as { error: { code: string } }).error.code).toBe('oidc_state_invalid');

    const inBrowser = new CookieBrowser();
    const htmlCallback = new URL(await throughProvider(inBrowser, 'mallory'));
    htmlCallback.searchParams.set('state', 'forged-state');
    const page = await inBrowser.fetch(htmlCallback.href, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(302);
    const shown = new URL(page.headers.get('location')!, base());
    expect(shown.pathname).toBe('/sign-in');
    expect(shown.searchParams.get('ssoError')).toBe('oidc_state_invalid');

    const noFlow = new CookieBrowser();
    const noFlowCallback = await throughProvider(noFlow, 'mallory');
    const stranger = await new CookieBrowser().fetch(noFlowCallback);
    expect(stranger.status).toBe(400);
    expect(((await stranger.json()) as { error: { code: string } }).error.code).toBe('oidc_state_invalid');

    const tamperedNonce = new CookieBrowser();
    const nonceCallback = await throughProvider(tamperedNonce, 'mallory');
    const flowCookie = tamperedNonce.cookie(base(), 'lazaret_oidc_flow')!;
    const flow = JSON.parse(Buffer.from(flowCookie, 'base64url').toString('utf8'));
    tamperedNonce.setCookie(
      base(),
      'lazaret_oidc_flow',
      Buffer.from(JSON.stringify({ ...flow, nonce: 'forged-nonce' })).toString('base64url'),
      '/api/auth/oidc',
    );
    const nonceAnswer = await tamperedNonce.fetch(nonceCallback);
    expect(nonceAnswer.status).toBe(401);
    const body = (await nonceAnswer.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('oidc_failed');
    expect(body.error.message).toMatch(/nonce/i);
    for (const browser of [tamperedState, tamperedNonce]) {
      expect(browser.cookie(base(), 'lazaret_session')).toBeUndefined();
    }
  });

  it('signs out of Lazaret and hands the browser to the provider to end its session too', async () => {
    account('dave', { email: 'dave@corp.test' });
    const { client } = await signIn('dave');
    // The api client does not carry the SSO cookie; send it as the browser would.
    const answer = await client.request('/api/auth/logout', { method: 'POST' });
    expect(answer.status).toBe(204);

    const again = await signIn('dave');
    const browserCookies = `lazaret_session=${again.browser.cookie(base(), 'lazaret_session')}; lazaret_oidc=${again.browser.cookie(base(), 'lazaret_oidc')}`;
    const logout = await fetch(`${base()}/api/auth/logout`, {
      method: 'POST',
      headers: {
        cookie: browserCookies,
        'x-csrf-token': again.client.credentials.kind === 'session' ? again.client.credentials.csrfToken : '',
      },
    });
    expect(logout.status).toBe(200);
    const { endSessionUrl } = (await logout.json()) as { endSessionUrl: string };
    const end = new URL(endSessionUrl);
    expect(end.origin).toBe(provider.issuer);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${base()}/sign-in`);
    expect(end.searchParams.get('id_token_hint')).toBeTruthy();
    expect((await again.client.request('/api/auth/me')).status).toBe(401);
    const providerPage = await again.browser.fetch(endSessionUrl);
    expect(providerPage.status).toBe(200);
  });

  // Last: it spends the sign-in failure budget of this client address at this provider.
  it('rate-limits failed callbacks like failed password sign-ins', async () => {
    const codes: string[] = [];
    for (let attempt = 0; attempt < 11 && !codes.includes('rate_limited'); attempt++) {
      const answer = await fetch(`${base()}/api/auth/oidc/corp/callback?code=x&state=guess-${attempt}`);
      codes.push(((await answer.json()) as { error: { code: string } }).error.code);
    }
    expect(codes.at(-1)).toBe('rate_limited');
    expect(new Set(codes.slice(0, -1))).toEqual(new Set(['oidc_state_invalid']));
  });
});

describe('single sign-on required (auth.requireSso), with a break-glass administrator', () => {
  const BREAK_GLASS = 'root@example.com';
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let provider: TestOidcProvider;
  let server: RunningServer;
  let root: ApiClient;
  const base = () => `http://127.0.0.1:${server.httpAddress.port}`;
  const login = (email: string, password: string) =>
    new ApiClient(base).request('/api/auth/login', { method: 'POST', json: { email, password } });

  beforeAll(async () => {
    dir = await tempDir();
    provider = await new TestOidcProvider().listen();
    const secretFile = join(dir.path, 'oidc-client-secret');
    await writeFile(secretFile, `${CLIENT_SECRET}\n`);
    // The example of docs/authentication.md, pointed at the test provider.
    const config = JSON.parse(docConfigBlock('authentication.md', 'require-sso')) as {
      auth: { breakGlassAdmins: string[]; oidc: { providers: Record<string, unknown>[] } };
    };
    expect(config.auth.breakGlassAdmins).toEqual([BREAK_GLASS]);
    const [corp] = config.auth.oidc.providers;
    config.auth.oidc.providers = [{ ...corp, issuer: provider.issuer, clientSecretFile: secretFile }];
    const file = join(dir.path, 'require-sso.json');
    await writeFile(file, JSON.stringify(config));
    server = await startServer(
      loadConfig({
        file,
        env: {
          LAZARET_DATA_DIR: join(dir.path, 'data'),
          LAZARET_SMTP_PORT: '0',
          LAZARET_HTTP_PORT: '0',
          LAZARET_ADMIN_EMAIL: BREAK_GLASS,
          LAZARET_ADMIN_PASSWORD: PASSWORD,
        },
      }),
      createLogger('silent'),
      () => undefined,
    );
    provider.configure([
      {
        clientId: 'lazaret',
        clientSecret: CLIENT_SECRET,
        redirectUris: [`${base()}/api/auth/oidc/corp/callback`],
        postLogoutRedirectUris: [`${base()}/sign-in`],
      },
    ]);
    root = await ApiClient.login(base, BREAK_GLASS, PASSWORD);
  });
  afterAll(async () => {
    await server?.close();
    await provider?.close();
    await dir?.cleanup();
  });

  async function create(email: string, role: 'admin' | 'user'): Promise<string> {
    const created = await root.request('/api/users', {
      method: 'POST',
      json: { email, role, password: PASSWORD, ...(role === 'user' ? { addresses: [email] } : {}) },
    });
    expect(created.status, created.text).toBe(201);
    return (created.body as { user: { id: string } }).user.id;
  }

  it('tells the sign-in page to offer the password form only to break-glass administrators', async () => {
    const answer = await new ApiClient(base).request('/api/auth/oidc/providers');
    expect(answer.body).toEqual({
      providers: [{ id: 'corp', label: 'Example Corp', startUrl: '/api/auth/oidc/corp/start' }],
      passwordForm: 'break_glass',
    });
  });

  it('refuses the right local password of anyone else with 403 sso_required, audited, and a wrong one as before', async () => {
    const userId = await create('uma@example.com', 'user');
    const refused = await login('uma@example.com', PASSWORD);
    expect(refused.status, refused.text).toBe(403);
    expect((refused.body as { error: { code: string } }).error.code).toBe('sso_required');
    expect(refused.headers.get('set-cookie') ?? '').not.toContain('lazaret_session=');
    const wrong = await login('uma@example.com', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect((wrong.body as { error: { code: string } }).error.code).toBe('invalid_credentials');

    // An administrator not on the break-glass list is refused alike.
    await create('other-admin@example.com', 'admin');
    const otherAdmin = await login('other-admin@example.com', PASSWORD);
    expect(otherAdmin.status).toBe(403);

    const audit = await root.request('/api/audit?action=auth.login&limit=500');
    const entries = (
      audit.body as {
        entries: { outcome: string; target?: { userId?: string }; params: Record<string, unknown> }[];
      }
    ).entries;
    const ofUma = entries.filter((entry) => entry.target?.userId === userId);
    // Newest first: the wrong password, then the refused right one.
    expect(ofUma.map((entry) => [entry.outcome, entry.params.reason])).toEqual([
      ['failed', undefined],
      ['failed', 'sso_required'],
    ]);
    expect(ofUma[1]?.params).toMatchObject({ email: 'uma@example.com', method: 'password' });
  });

  it('still signs in the break-glass administrator with their password, and everyone through the provider', async () => {
    const signedIn = await login(BREAK_GLASS, PASSWORD);
    expect(signedIn.status, signedIn.text).toBe(200);

    provider.accounts.set('vic-sub', {
      sub: 'vic-sub',
      claims: { email: 'vic@example.com', email_verified: true },
    });
    const browser = new CookieBrowser();
    const answer = await browser.fetch(await throughProviderAt(base(), 'corp', browser, 'vic-sub'));
    expect(answer.status, await answer.clone().text()).toBe(302);
    const cookie = browser.cookie(base(), 'lazaret_session')!;
    const me = await new ApiClient(base, { kind: 'session', cookie, csrfToken: '' }).request('/api/auth/me');
    expect(me.body).toMatchObject({ user: { email: 'vic@example.com', role: 'user' } });
  });
});
