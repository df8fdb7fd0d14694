import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Attribute, Change, type Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { runDoctor } from '../../src/doctor/doctor.js';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import type { AuditEntry } from '../../src/store/audit-store.js';
import { ApiClient } from '../support/api-client.js';
import { missingPrograms, tempDir, waitUntil } from '../support/env.js';
import { message } from '../support/mail.js';
import { runCli } from '../support/serve-process.js';
import {
  LDAP_ADMINS_GROUP,
  LDAP_BASE,
  LDAP_SERVICE_PASSWORD,
  SLAPD_PROGRAMS,
  type Slapd,
  startSlapd,
  TEST_CA_FILE,
} from '../support/slapd.js';
import { sendRaw } from '../support/smtp-client.js';

const missing = missingPrograms('LDAP sign-in', SLAPD_PROGRAMS);
const ADMIN = { email: 'root@corp.test', password: 'local-root-password' };

/** The JSON block of docs/authentication.md under `<!-- config: name … -->`. */
function documentedConfig(name: string): string {
  const doc = readFileSync(new URL('../../docs/authentication.md', import.meta.url), 'utf8');
  const block = new RegExp(`<!-- config: ${name}\\b[^>]*-->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(doc);
  if (!block) throw new Error(`docs/authentication.md has no config block ${name}`);
  return block[1]!;
}

interface Running {
  server: RunningServer;
  /** The config file and environment the server runs with, for `lazaret` commands beside it. */
  cliEnv: Record<string, string>;
  base: () => string;
  auditEntries: () => Promise<AuditEntry[]>;
}

/**
 * Lazaret serving with a documented config block as its config file; what differs on this machine
 * (the directory's address, the password file, ports, data folder) comes from the environment, as an
 * operator's overrides would, and the CA file is this machine's.
 */
async function serveWith(
  dir: string,
  name: string,
  overrides: Record<string, string>,
  edit: (ldap: Record<string, unknown>) => void = () => undefined,
): Promise<Running> {
  const file = join(dir, `${name}.json`);
  const documented = JSON.parse(documentedConfig(name)) as { auth: { ldap: Record<string, unknown> } };
  // This machine's CA in place of the documented path, as an operator would write it.
  if ('caFile' in documented.auth.ldap) documented.auth.ldap.caFile = TEST_CA_FILE;
  edit(documented.auth.ldap);
  await writeFile(file, JSON.stringify(documented));
  const passwordFile = join(dir, 'ldap-bind-password');
  await writeFile(passwordFile, `${LDAP_SERVICE_PASSWORD}\n`, { mode: 0o600 });
  const env: Record<string, string> = {
    LAZARET_DATA_DIR: join(dir, `data-${name}`),
    LAZARET_SMTP_PORT: '0',
    LAZARET_HTTP_PORT: '0',
    LAZARET_ADMIN_EMAIL: ADMIN.email,
    LAZARET_ADMIN_PASSWORD: ADMIN.password,
    LAZARET_LDAP_BIND_PASSWORD_FILE: passwordFile,
    ...overrides,
  };
  const config = loadConfig({ file, env });
  const server = await startServer(config, createLogger('silent'), () => undefined);
  const auditStore = server.context.auth.audit;
  return {
    server,
    cliEnv: { ...env, LAZARET_CONFIG: file },
    base: () => `http://127.0.0.1:${server.httpAddress.port}`,
    auditEntries: async () => (await auditStore.listAudit({}, { limit: 500 })).items,
  };
}

async function login(base: () => string, email: string, password: string) {
  return new ApiClient(base).request('/api/auth/login', { method: 'POST', json: { email, password } });
}

async function me(client: ApiClient) {
  const answer = await client.request('/api/auth/me');
  return { status: answer.status, user: (answer.body as { user?: Record<string, unknown> }).user };
}

async function hold(server: RunningServer, recipient: string, subject: string): Promise<void> {
  const outcome = await sendRaw(
    server.smtpAddress.port,
    { from: 'sender@outside.test', to: [recipient] },
    message({ to: recipient, subject }),
  );
  expect(outcome.ok, outcome.reply).toBe(true);
}

async function changeDirectory(slapd: Slapd, change: (admin: Client) => Promise<void>): Promise<void> {
  const admin = await slapd.admin();
  try {
    await change(admin);
  } finally {
    await admin.unbind();
  }
}

async function setAccountControl(slapd: Slapd, uid: string, value: number): Promise<void> {
  const admin = await slapd.admin();
  try {
    await admin.modify(
      `uid=${uid},ou=people,${LDAP_BASE}`,
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'userAccountControl', values: [String(value)] }),
      }),
    );
  } finally {
    await admin.unbind();
  }
}

describe.skipIf(missing.length > 0)('LDAP / Active Directory sign-in against a private slapd', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let slapd: Slapd;

  beforeAll(async () => {
    dir = await tempDir('lazaret-ldap-');
    slapd = await startSlapd(join(dir.path, 'slapd'));
  }, 60_000);

  afterAll(async () => {
    await slapd?.stop();
    await dir?.cleanup();
  });

  describe('the OpenLDAP example (StartTLS, mail + otherMailbox, groupOfNames)', () => {
    let running: Running;

    beforeAll(async () => {
      running = await serveWith(dir.path, 'openldap', {
        LAZARET_LDAP_URL: slapd.ldapUrl.replace('127.0.0.1', 'localhost'),
      });
    }, 30_000);

    afterAll(async () => {
      await running?.server.close();
    });

    it('signs a directory user in through the API, creating their account with the addresses of the directory', async () => {
      const answer = await login(running.base, 'Alice@Example.org', 'alice-password');
      expect(answer.status, answer.text).toBe(200);
      const alice = await ApiClient.login(running.base, 'alice@example.org', 'alice-password');
      const { user } = await me(alice);
      expect(user).toMatchObject({
        email: 'alice@example.org',
        role: 'user',
        addresses: ['alice@example.org', 'alice@example.net'],
      });
      const logins = (await running.auditEntries()).filter(
        (entry) =>
          entry.action === 'auth.login' && entry.outcome === 'ok' && entry.target.userId === user!.id,
      );
      expect(logins.length).toBe(2);
      expect(logins[0]!.params).toMatchObject({
        method: 'ldap',
        provider: expect.stringContaining('localhost'),
      });
      expect(
        (await running.auditEntries()).filter(
          (entry) => entry.action === 'user.create' && entry.target.userId === user!.id,
        ),
      ).toHaveLength(1);
    });

    it('shows a directory user the mail of an alias, and not of other people', async () => {
      await hold(running.server, 'alice@example.net', 'to the alias');
      await hold(running.server, 'bob@example.org', 'to bob');
      const alice = await ApiClient.login(running.base, 'alice@example.org', 'alice-password');
      const subjects = (await alice.listItems()).map((item) => item.subject);
      expect(subjects).toEqual(['to the alias']);
    });

    it('refuses a wrong password and an unknown email alike, audited with the method', async () => {
      const wrong = await login(running.base, 'alice@example.org', 'not-her-password');
      const unknown = await login(running.base, 'nobody@example.org', 'whatever-password');
      const empty = await login(running.base, 'bob@example.org', '');
      for (const answer of [wrong, unknown]) {
        expect(answer.status).toBe(401);
        expect(answer.body).toMatchObject({
          error: { code: 'invalid_credentials', message: 'Wrong email or password.' },
        });
      }
      expect(empty.status).toBe(400);
      const failed = (await running.auditEntries()).filter(
        (entry) => entry.action === 'auth.login' && entry.outcome === 'failed',
      );
      expect(failed.map((entry) => entry.params.email)).toEqual(
        expect.arrayContaining(['alice@example.org', 'nobody@example.org']),
      );
      expect(failed.every((entry) => entry.params.method === 'ldap')).toBe(true);
    });

    it('gives roles from group membership: admins, and domain admins of the listed domain', async () => {
      const bob = await ApiClient.login(running.base, 'bob@example.org', 'bob-password');
      expect((await me(bob)).user).toMatchObject({ role: 'admin', domains: [], addresses: [] });
      const dave = await ApiClient.login(running.base, 'dave@example.net', 'dave-password');
      expect((await me(dave)).user).toMatchObject({ role: 'domain_admin', domains: ['example.net'] });
    });

    it('lazaret directory sync refreshes addresses, and with syncDisablesMissing ends the access of a person deleted from the directory', async () => {
      const erinDn = `uid=erin,ou=people,${LDAP_BASE}`;
      await changeDirectory(slapd, (admin) =>
        admin.add(erinDn, {
          objectClass: ['inetOrgPerson'],
          uid: 'erin',
          cn: 'Erin',
          sn: 'erin',
          mail: 'erin@example.org',
          userPassword: 'erin-password',
        }),
      );
      const erin = await ApiClient.login(running.base, 'erin@example.org', 'erin-password');
      const erinId = (await me(erin)).user!.id as string;
      const root = await ApiClient.login(running.base, ADMIN.email, ADMIN.password);
      const created = await root.request(`/api/users/${erinId}/tokens`, {
        method: 'POST',
        json: { scope: 'read', name: 'erin-script' },
      });
      expect(created.status, created.text).toBe(201);
      const token = ApiClient.bearer(running.base, (created.body as { secret: string }).secret);

      await changeDirectory(slapd, (admin) =>
        admin.modify(
          erinDn,
          new Change({
            operation: 'add',
            modification: new Attribute({ type: 'mail', values: ['erin.alias@example.org'] }),
          }),
        ),
      );
      const refreshed = await runCli(running.cliEnv, ['directory', 'sync']);
      expect(refreshed.code, refreshed.stderr).toBe(0);
      expect(refreshed.stdout).toMatch(/1 updated, 0 disabled, 0 not found/);
      expect((await me(erin)).user).toMatchObject({
        addresses: ['erin@example.org', 'erin.alias@example.org'],
      });

      await changeDirectory(slapd, (admin) => admin.del(erinDn));
      const kept = await runCli(running.cliEnv, ['directory', 'sync']);
      expect(kept.code, kept.stderr).toBe(0);
      expect(kept.stdout).toContain('not in the directory, left as is: erin@example.org');
      expect((await me(erin)).status).toBe(200);

      const removed = await runCli({ ...running.cliEnv, LAZARET_LDAP_SYNC_DISABLES_MISSING: 'true' }, [
        'directory',
        'sync',
      ]);
      expect(removed.code, removed.stderr).toBe(0);
      expect(removed.stdout).toContain('disabled: erin@example.org');
      expect((await me(erin)).status).toBe(401);
      expect((await me(token)).status).toBe(401);
      expect((await login(running.base, 'erin@example.org', 'erin-password')).status).toBe(401);
      // Local accounts are never touched by a sync.
      expect((await me(root)).status).toBe(200);
    });

    it('links an account to its directory entry: a new email keeps the account, an email given to another entry is refused until an administrator unlinks it', async () => {
      const person = (uid: string, mail: string, password: string) => ({
        objectClass: ['inetOrgPerson'],
        uid,
        cn: uid,
        sn: uid,
        mail,
        userPassword: password,
      });
      const frankDn = `uid=frank,ou=people,${LDAP_BASE}`;
      await changeDirectory(slapd, (admin) =>
        admin.add(frankDn, person('frank', 'frank@example.org', 'frank-password')),
      );
      const frank = await ApiClient.login(running.base, 'frank@example.org', 'frank-password');
      const frankId = (await me(frank)).user!.id as string;
      const root = await ApiClient.login(running.base, ADMIN.email, ADMIN.password);
      const identity = async () =>
        ((await root.request(`/api/users/${frankId}`)).body as { user: { identity: unknown } }).user.identity;
      expect(await identity()).toEqual({ method: 'ldap', provider: 'directory' });

      // The directory changes the person's email: the same entry, so the same account.
      await changeDirectory(slapd, (admin) =>
        admin.modify(
          frankDn,
          new Change({
            operation: 'replace',
            modification: new Attribute({ type: 'mail', values: ['frank.new@example.org'] }),
          }),
        ),
      );
      const renamed = await ApiClient.login(running.base, 'frank.new@example.org', 'frank-password');
      expect((await me(renamed)).user).toMatchObject({
        id: frankId,
        email: 'frank@example.org',
        addresses: ['frank.new@example.org'],
      });

      // The old email goes to another person, with another entry.
      await changeDirectory(slapd, (admin) =>
        admin.add(
          `uid=frank2,ou=people,${LDAP_BASE}`,
          person('frank2', 'frank@example.org', 'successor-password'),
        ),
      );
      const wrong = await login(running.base, 'frank@example.org', 'not-the-password');
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ error: { code: 'invalid_credentials' } });
      const refused = await login(running.base, 'frank@example.org', 'successor-password');
      expect(refused.status, refused.text).toBe(409);
      expect(refused.body).toMatchObject({
        error: { code: 'sso_link_refused', details: { reason: 'linked_to_another_identity' } },
      });
      expect(
        (await running.auditEntries()).find(
          (entry) => entry.action === 'auth.login' && entry.params.reason === 'sso_link_refused',
        ),
      ).toMatchObject({
        outcome: 'failed',
        target: { userId: frankId },
        params: { email: 'frank@example.org' },
      });
      expect((await me(renamed)).status).toBe(200);
      // A sync looks the account up by its entry, not by the email that is someone else's now.
      const synced = await runCli(running.cliEnv, ['directory', 'sync']);
      expect(synced.code, synced.stderr).toBe(0);
      expect(synced.stdout).not.toContain('frank@example.org');
      expect((await me(renamed)).user).toMatchObject({ id: frankId, addresses: ['frank.new@example.org'] });

      // An administrator unlinks the account: its sessions end, and the next sign-in links it again.
      expect((await root.request(`/api/users/${frankId}/identity`, { method: 'DELETE' })).status).toBe(200);
      expect((await me(renamed)).status).toBe(401);
      const successor = await ApiClient.login(running.base, 'frank@example.org', 'successor-password');
      expect((await me(successor)).user).toMatchObject({ id: frankId, addresses: ['frank@example.org'] });
      expect(await identity()).toEqual({ method: 'ldap', provider: 'directory' });
      expect(
        (await running.auditEntries())
          .filter((entry) => entry.action === 'user.update' && entry.target.userId === frankId)
          .map((entry) => entry.params.link),
      ).toEqual(expect.arrayContaining(['unlinked', 'linked']));

      // The entry the account is linked to is deleted: the sync reports the account.
      await changeDirectory(slapd, (admin) => admin.del(`uid=frank2,ou=people,${LDAP_BASE}`));
      const gone = await runCli(running.cliEnv, ['directory', 'sync']);
      expect(gone.code, gone.stderr).toBe(0);
      expect(gone.stdout).toContain('not in the directory, left as is: frank@example.org');
    });

    it('lazaret doctor checks the directory: TLS and the service account', async () => {
      const config = loadConfig({ file: running.cliEnv.LAZARET_CONFIG!, env: running.cliEnv });
      const good = (await runDoctor(config)).find((result) => result.name === 'auth.ldap');
      expect(good).toMatchObject({ status: 'ok' });
      expect(good?.detail).toContain(`bound as cn=lazaret,ou=services,${LDAP_BASE} after StartTLS`);
      const wrongPassword = join(dir.path, 'wrong-bind-password');
      await writeFile(wrongPassword, 'not-the-password\n');
      const bad = (
        await runDoctor(
          loadConfig({
            file: running.cliEnv.LAZARET_CONFIG!,
            env: { ...running.cliEnv, LAZARET_LDAP_BIND_PASSWORD_FILE: wrongPassword },
          }),
        )
      ).find((result) => result.name === 'auth.ldap');
      expect(bad).toMatchObject({ status: 'fail' });
      expect(bad?.detail).toContain('refused the service account');
    });

    it('holds directory sessions to the CSRF rule and ends them at sign-out', async () => {
      const alice = await ApiClient.login(running.base, 'alice@example.org', 'alice-password');
      const forged = await alice.request('/api/auth/logout', { method: 'POST', withoutCsrf: true });
      expect(forged.status).toBe(403);
      expect(forged.body).toMatchObject({ error: { code: 'csrf_failed' } });
      expect((await alice.request('/api/auth/logout', { method: 'POST' })).status).toBe(204);
      expect((await me(alice)).status).toBe(401);
    });

    it('keeps local accounts signing in with their own password', async () => {
      const root = await ApiClient.login(running.base, ADMIN.email, ADMIN.password);
      expect((await me(root)).user).toMatchObject({ email: ADMIN.email, role: 'admin' });
    });

    it('rate-limits directory sign-ins like local ones', async () => {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 11; attempt++) {
        statuses.push((await login(running.base, 'dave@example.net', `wrong-${attempt}`)).status);
      }
      expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
      expect((await login(running.base, 'dave@example.net', 'dave-password')).status).toBe(429);
    });
  });

  describe('the Active Directory example (LDAPS, proxyAddresses, userAccountControl)', () => {
    let running: Running;

    beforeAll(async () => {
      running = await serveWith(dir.path, 'active-directory', { LAZARET_LDAP_URL: slapd.ldapsUrl });
    }, 30_000);

    afterAll(async () => {
      await running?.server.close();
    });

    it('takes aliases from proxyAddresses (smtp: prefixes, X500 skipped) and signs in by user principal name too', async () => {
      const alice = await ApiClient.login(running.base, 'alice@example.org', 'alice-password');
      expect((await me(alice)).user).toMatchObject({
        addresses: ['alice@example.org', 'a.liddell@example.org'],
      });
      const byUpn = await login(running.base, 'bob@corp.example.org', 'bob-password');
      expect(byUpn.status, byUpn.text).toBe(200);
    });

    it('refuses an account disabled in the directory, even with the right password', async () => {
      const carol = await login(running.base, 'carol@example.org', 'carol-password');
      expect(carol.status).toBe(401);
      expect(carol.body).toMatchObject({ error: { code: 'invalid_credentials' } });
    });

    it('ends the sessions and tokens of a person disabled in the directory at their next sign-in', async () => {
      const session = await ApiClient.login(running.base, 'alice@example.org', 'alice-password');
      const aliceId = (await me(session)).user!.id as string;
      const root = await ApiClient.login(running.base, ADMIN.email, ADMIN.password);
      const created = await root.request(`/api/users/${aliceId}/tokens`, {
        method: 'POST',
        json: { scope: 'read', name: 'alice-script' },
      });
      expect(created.status, created.text).toBe(201);
      const token = ApiClient.bearer(running.base, (created.body as { secret: string }).secret);
      expect((await me(token)).status).toBe(200);
      await setAccountControl(slapd, 'alice', 514);
      try {
        expect((await login(running.base, 'alice@example.org', 'alice-password')).status).toBe(401);
        expect((await me(session)).status).toBe(401);
        expect((await me(token)).status).toBe(401);
        const disabled = (await running.auditEntries()).find((entry) => entry.action === 'user.disable');
        expect(disabled?.params).toMatchObject({ email: 'alice@example.org', method: 'ldap' });
      } finally {
        await setAccountControl(slapd, 'alice', 512);
      }
    });
  });

  describe('the periodic sync in serve', () => {
    it('takes admin away from a person removed from the admin group, without them signing in again', async () => {
      const running = await serveWith(dir.path, 'openldap', {
        LAZARET_LDAP_URL: slapd.ldapUrl.replace('127.0.0.1', 'localhost'),
        LAZARET_LDAP_SYNC_INTERVAL_SECONDS: '1',
        LAZARET_DATA_DIR: join(dir.path, 'data-periodic'),
      });
      const bobDn = `uid=bob,ou=people,${LDAP_BASE}`;
      const membership = (operation: 'add' | 'delete') =>
        changeDirectory(slapd, (admin) =>
          admin.modify(
            LDAP_ADMINS_GROUP,
            new Change({ operation, modification: new Attribute({ type: 'member', values: [bobDn] }) }),
          ),
        );
      let removed = false;
      try {
        const bob = await ApiClient.login(running.base, 'bob@example.org', 'bob-password');
        expect((await me(bob)).user).toMatchObject({ role: 'admin' });
        await membership('delete');
        removed = true;
        await waitUntil(
          'the sync to make bob a user',
          async () => (await me(bob)).user?.role === 'user',
          15_000,
          200,
        );
        expect((await me(bob)).user).toMatchObject({ role: 'user', addresses: ['bob@example.org'] });
      } finally {
        if (removed) await membership('add');
        await running.server.close();
      }
    });
  });

  describe('certificate checks', () => {
    it('refuses to start when the CA file cannot be read, naming the key', async () => {
      const outcome = await serveWith(dir.path, 'active-directory', {
        LAZARET_LDAP_URL: slapd.ldapsUrl,
        LAZARET_LDAP_CA_FILE: join(dir.path, 'missing-ca.pem'),
        LAZARET_DATA_DIR: join(dir.path, 'data-missing-ca'),
      }).then(
        (running) => running.server.close().then(() => 'started'),
        (error: unknown) => error,
      );
      expect(outcome).toMatchObject({
        code: 'config_invalid',
        message: expect.stringContaining('auth.ldap.caFile'),
      });
    });

    it('answers directory_unavailable when the server certificate is not signed by a trusted CA', async () => {
      const running = await serveWith(
        dir.path,
        'active-directory',
        { LAZARET_LDAP_URL: slapd.ldapsUrl, LAZARET_DATA_DIR: join(dir.path, 'data-system-ca') },
        (ldap) => {
          delete ldap.caFile;
        },
      );
      try {
        const answer = await login(running.base, 'bob@example.org', 'bob-password');
        expect(answer.status).toBe(503);
        expect(answer.body).toMatchObject({ error: { code: 'directory_unavailable' } });
        const failed = (await running.auditEntries()).find(
          (entry) => entry.action === 'auth.login' && entry.outcome === 'failed',
        );
        expect(failed?.params).toMatchObject({
          email: 'bob@example.org',
          method: 'ldap',
          reason: 'directory_unavailable',
        });
        expect((await login(running.base, ADMIN.email, ADMIN.password)).status).toBe(200);
      } finally {
        await running.server.close();
      }
    });
  });
});
