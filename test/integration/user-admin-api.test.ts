import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import type { AuditEntry } from '../../src/store/audit-store.js';
import { type ApiAnswer, ApiClient } from '../support/api-client.js';
import { buildAuditEntry } from '../support/builders.js';
import { tempDir } from '../support/env.js';
import { runCli } from '../support/serve-process.js';

const ADMIN = { email: 'root@corp.test', password: 'user-admin-root-password' };
const ANN = { email: 'ann@corp.test', password: 'anns-first-password' };
const DOMAIN_ADMIN = { email: 'da@other.test', password: 'other-domain-admin-pw' };

type Entry = AuditEntry & { target: { userEmail?: string } };

function errorCode(answer: ApiAnswer): string {
  return (answer.body as { error: { code: string } }).error.code;
}

/** The user page's routes: reset a password, and the audit log of one person, named by email. */
describe('user administration API: password reset, audit by person', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let server: RunningServer;
  let cliEnv: Record<string, string>;
  let admin: ApiClient;
  let annId: string;
  let me: { id: string };
  const rootId = () => me.id;
  const base = () => `http://127.0.0.1:${server.httpAddress.port}`;
  const signIn = (email: string, password: string) =>
    new ApiClient(base).request('/api/auth/login', { method: 'POST', json: { email, password } });
  const audit = async (client: ApiClient, query: string): Promise<Entry[]> => {
    const answer = await client.request(`/api/audit?${query}`);
    expect(answer.status, answer.text).toBe(200);
    return (answer.body as { entries: Entry[] }).entries;
  };

  beforeAll(async () => {
    dir = await tempDir();
    cliEnv = {
      LAZARET_DATA_DIR: join(dir.path, 'data'),
      LAZARET_SMTP_PORT: '0',
      LAZARET_HTTP_PORT: '0',
      LAZARET_ADMIN_EMAIL: ADMIN.email,
      LAZARET_ADMIN_PASSWORD: ADMIN.password,
    };
    server = await startServer(loadConfig({ env: cliEnv }), createLogger('silent'), () => undefined);
    admin = await ApiClient.login(base, ADMIN.email, ADMIN.password);
    me = ((await admin.request('/api/auth/me')).body as { user: { id: string } }).user;
    const ann = await admin.request('/api/users', {
      method: 'POST',
      json: { email: ANN.email, role: 'user', password: ANN.password },
    });
    expect(ann.status, ann.text).toBe(201);
    annId = (ann.body as { user: { id: string } }).user.id;
    const da = await admin.request('/api/users', {
      method: 'POST',
      json: { ...DOMAIN_ADMIN, role: 'domain_admin', domains: ['other.test'] },
    });
    expect(da.status, da.text).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    await dir?.cleanup();
  });

  it('resets a password to a generated one, answered once, ending the user’s sessions; audited', async () => {
    const session = await ApiClient.login(base, ANN.email, ANN.password);
    expect((await session.request('/api/auth/me')).status).toBe(200);

    const reset = await admin.request(`/api/users/${annId}/password`, { method: 'POST' });
    expect(reset.status, reset.text).toBe(200);
    const generated = (reset.body as { password: string; user: { email: string } }).password;
    expect(generated.length).toBeGreaterThanOrEqual(10);
    expect((reset.body as { user: { email: string } }).user.email).toBe(ANN.email);

    expect((await session.request('/api/auth/me')).status).toBe(401);
    expect((await signIn(ANN.email, ANN.password)).status).toBe(401);
    expect((await signIn(ANN.email, generated)).status).toBe(200);

    const entries = await audit(admin, 'action=user.password');
    expect(entries[0]).toMatchObject({
      action: 'user.password',
      actor: { label: ADMIN.email },
      target: { userId: annId, userEmail: ANN.email },
    });
    expect(JSON.stringify(entries[0])).not.toContain(generated);
  });

  it('sets the password given, and answers no password then', async () => {
    const reset = await admin.request(`/api/users/${annId}/password`, {
      method: 'POST',
      json: { password: ANN.password },
    });
    expect(reset.status, reset.text).toBe(200);
    expect(reset.body).not.toHaveProperty('password');
    expect((await signIn(ANN.email, ANN.password)).status).toBe(200);
  });

  it('refuses a short password, an unknown user, a user outside a domain admin’s domains, and a user', async () => {
    const short = await admin.request(`/api/users/${annId}/password`, {
      method: 'POST',
      json: { password: 'short' },
    });
    expect(short.status).toBe(400);
    expect(errorCode(short)).toBe('validation_error');
    const extra = await admin.request(`/api/users/${annId}/password`, {
      method: 'POST',
      json: { password: 'long-enough-password', role: 'admin' },
    });
    expect(extra.status).toBe(400);

    const unknown = await admin.request('/api/users/01JZZZZZZZZZZZZZZZZZZZZZZZ/password', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown)).toBe('not_found');

    const domainAdmin = await ApiClient.login(base, DOMAIN_ADMIN.email, DOMAIN_ADMIN.password);
    const outside = await domainAdmin.request(`/api/users/${annId}/password`, { method: 'POST' });
    expect(outside.status).toBe(404);

    const ann = await ApiClient.login(base, ANN.email, ANN.password);
    const self = await ann.request(`/api/users/${annId}/password`, { method: 'POST' });
    expect(self.status).toBe(403);
    expect((await signIn(ANN.email, ANN.password)).status).toBe(200);
  });

  it('lists what one person did, signed in and with their tokens, by email; nothing for an unknown email', async () => {
    const created = await admin.request(`/api/users/${rootId()}/tokens`, {
      method: 'POST',
      json: { scope: 'admin', name: 'root-cli' },
    });
    expect(created.status, created.text).toBe(201);
    const token = ApiClient.bearer(base, (created.body as { secret: string }).secret);
    const carol = await token.request('/api/users', {
      method: 'POST',
      json: { email: 'carol@corp.test', role: 'user' },
    });
    expect(carol.status, carol.text).toBe(201);

    const byRoot = await audit(admin, `person=${encodeURIComponent(ADMIN.email)}`);
    expect(byRoot.every((entry) => entry.actor.label.includes(ADMIN.email))).toBe(true);
    expect(byRoot.map((entry) => [entry.actor.kind, entry.action, entry.target.userEmail])).toEqual(
      expect.arrayContaining([
        ['token', 'user.create', 'carol@corp.test'],
        ['user', 'token.create', ADMIN.email],
        ['user', 'user.create', ANN.email],
        ['user', 'auth.login', ADMIN.email],
      ]),
    );
    expect(byRoot.some((entry) => entry.actor.label.includes(ANN.email))).toBe(false);
    // The email in any case names the same person.
    expect((await audit(admin, `person=${encodeURIComponent('ROOT@Corp.Test')}`)).length).toBe(byRoot.length);

    const byAnn = await audit(admin, `person=${encodeURIComponent(ANN.email)}`);
    expect(byAnn.length).toBeGreaterThan(0);
    expect(byAnn.every((entry) => entry.actor.label === ANN.email && entry.action === 'auth.login')).toBe(
      true,
    );
    expect(await audit(admin, `person=${encodeURIComponent('nobody@corp.test')}`)).toEqual([]);
    expect(await audit(admin, `person=${encodeURIComponent(ANN.email)}&action=user.create`)).toEqual([]);
  });

  it('refuses a person filter that is too long', async () => {
    const answer = await admin.request(`/api/audit?person=${'a'.repeat(321)}`);
    expect(answer.status).toBe(400);
    expect(errorCode(answer)).toBe('validation_error');
  });

  it('lazaret audit: --person, and the item ids of an entry only with --items', async () => {
    const person = await runCli(cliEnv, ['audit', '--person', ANN.email, '--action', 'auth.login']);
    expect(person.code, person.stderr).toBe(0);
    const lines = person.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toContain(`auth.login  ${ANN.email}`);

    const nobody = await runCli(cliEnv, ['audit', '--person', 'nobody@corp.test']);
    expect(nobody.code).toBe(0);
    expect(nobody.stdout).toBe('');
    expect(nobody.stderr).toContain('no user nobody@corp.test');

    const itemIds = [
      '01JITEM00000000000000000A1',
      '01JITEM00000000000000000A2',
      '01JITEM00000000000000000A3',
    ];
    await server.context.auth.audit.append(
      buildAuditEntry({
        at: new Date().toISOString(),
        action: 'items.bulk_release',
        target: { itemIds, jobId: '01JJOB000000000000000000J1' },
        counts: { ok: 2, delivery_rejected: 1 },
        outcome: 'partial',
      }),
    );
    const counted = await runCli(cliEnv, ['audit', '--job', '01JJOB000000000000000000J1']);
    expect(counted.code, counted.stderr).toBe(0);
    expect(counted.stdout).toContain('job:01JJOB000000000000000000J1 3 items  ok=2,delivery_rejected=1');
    expect(counted.stdout).not.toContain(itemIds[0]);
    const listed = await runCli(cliEnv, ['audit', '--job', '01JJOB000000000000000000J1', '--items']);
    expect(listed.code, listed.stderr).toBe(0);
    for (const id of itemIds) expect(listed.stdout).toContain(`item:${id}`);
  });
});
