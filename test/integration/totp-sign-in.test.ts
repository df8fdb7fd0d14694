import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import type { AuditEntry } from '../../src/store/audit-store.js';
import { type ApiAnswer, ApiClient } from '../support/api-client.js';
import { docConfigBlock } from '../support/docs-snippets.js';
import { tempDir } from '../support/env.js';
import { runCli } from '../support/serve-process.js';

const ADMIN = { email: 'root@corp.test', password: 'local-root-password' };
const BOB = { email: 'bob@corp.test', password: 'bobs-long-password' };
const CAROL = { email: 'carol@corp.test', password: 'carols-long-password' };
/** Failed sign-ins per account before 429; each test below stays under it unless it tests it. */
const MAX_FAILURES = 4;
const PERIOD = 30;

/** The code of `secret` for the time step `offset` steps from now (the server's clock is this machine's). */
function code(secret: string, offset = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offset * PERIOD });
}

/** A six-digit string that is none of the codes the server accepts now (the steps around this one). */
async function wrongCode(secret: string): Promise<string> {
  const accepted = new Set(await Promise.all([-2, -1, 0, 1, 2].map((offset) => code(secret, offset))));
  return ['000000', '111111', '222222'].find((candidate) => !accepted.has(candidate))!;
}

function errorOf(answer: ApiAnswer): { code: string; details?: Record<string, unknown> } {
  return (answer.body as { error: { code: string; details?: Record<string, unknown> } }).error;
}

describe('TOTP second factor for local accounts', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let server: RunningServer;
  let cliEnv: Record<string, string>;
  const base = () => `http://127.0.0.1:${server.httpAddress.port}`;
  const anonymous = () => new ApiClient(base);
  const signIn = (who: { email: string; password: string }, secondFactor?: string) =>
    anonymous().request('/api/auth/login', {
      method: 'POST',
      json: { ...who, ...(secondFactor === undefined ? {} : { code: secondFactor }) },
    });
  const auditOf = async (action: string): Promise<AuditEntry[]> =>
    (await server.context.auth.audit.listAudit({ action }, { limit: 500 })).items;

  /** Enrols `client`'s own factor and answers its secret and recovery codes. */
  async function enrol(client: ApiClient): Promise<{ secret: string; recoveryCodes: string[] }> {
    const started = await client.request('/api/auth/totp/enrol', { method: 'POST' });
    expect(started.status, started.text).toBe(200);
    const { secret } = started.body as { secret: string };
    const confirmed = await client.request('/api/auth/totp/confirm', {
      method: 'POST',
      json: { code: await code(secret) },
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    return { secret, recoveryCodes: (confirmed.body as { recoveryCodes: string[] }).recoveryCodes };
  }

  let adminSecret: string;
  let adminRecoveryCodes: string[];
  let admin: ApiClient;

  beforeAll(async () => {
    dir = await tempDir();
    const file = join(dir.path, 'second-factor.json');
    await writeFile(file, docConfigBlock('authentication.md', 'second-factor'));
    const env = {
      LAZARET_DATA_DIR: join(dir.path, 'data'),
      LAZARET_SMTP_PORT: '0',
      LAZARET_HTTP_PORT: '0',
      LAZARET_ADMIN_EMAIL: ADMIN.email,
      LAZARET_ADMIN_PASSWORD: ADMIN.password,
      LAZARET_LOGIN_MAX_FAILURES_PER_ACCOUNT: String(MAX_FAILURES),
    };
    cliEnv = { ...env, LAZARET_CONFIG: file };
    server = await startServer(loadConfig({ file, env }), createLogger('silent'), () => undefined);
  });
  afterAll(async () => {
    await server?.close();
    await dir?.cleanup();
  });

  it('lets an administrator without a second factor do nothing but enrol, and confirms only with a valid code', async () => {
    expect((await signIn(ADMIN)).body).toMatchObject({ totpEnrolmentRequired: true, user: { totp: 'none' } });
    const first = await ApiClient.login(base, ADMIN.email, ADMIN.password);
    const refused = await first.request('/api/quarantine');
    expect(refused.status).toBe(403);
    expect(errorOf(refused).code).toBe('totp_enrolment_required');
    const me = await first.request('/api/auth/me');
    expect(me.body).toMatchObject({ totpEnrolmentRequired: true, user: { totp: 'none' } });

    const started = await first.request('/api/auth/totp/enrol', { method: 'POST' });
    expect(started.status, started.text).toBe(200);
    const { secret, otpauthUri } = started.body as { secret: string; otpauthUri: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(decodeURIComponent(uri.pathname)).toBe(`/Lazaret:${ADMIN.email}`);
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect((await first.request('/api/auth/me')).body).toMatchObject({ user: { totp: 'pending' } });
    expect((await first.request('/api/quarantine')).status).toBe(403);

    const wrong = await first.request('/api/auth/totp/confirm', {
      method: 'POST',
      json: { code: await wrongCode(secret) },
    });
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong)).toMatchObject({ code: 'totp_invalid', details: { reason: 'wrong_code' } });
    const malformed = await first.request('/api/auth/totp/confirm', {
      method: 'POST',
      json: { code: '<x>' },
    });
    expect(errorOf(malformed).code).toBe('validation_error');

    const confirmed = await first.request('/api/auth/totp/confirm', {
      method: 'POST',
      json: { code: await code(secret) },
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    const { recoveryCodes } = confirmed.body as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await first.request('/api/quarantine')).status).toBe(200);
    expect((await first.request('/api/auth/me')).body).toMatchObject({
      totpEnrolmentRequired: false,
      user: { totp: 'active' },
    });

    const again = await first.request('/api/auth/totp/enrol', { method: 'POST' });
    expect(again.status).toBe(409);
    expect(errorOf(again).code).toBe('totp_active');
    const listed = await first.request('/api/users');
    expect(listed.text).not.toContain(secret);
    for (const recovery of recoveryCodes) expect(listed.text).not.toContain(recovery);
    expect((await auditOf('auth.totp_confirm')).map((entry) => entry.outcome).sort()).toEqual([
      'failed',
      'ok',
    ]);
    adminSecret = secret;
    adminRecoveryCodes = recoveryCodes;
  });

  it('asks for a code after the right password, creating no session until the code is right', async () => {
    const withoutCode = await signIn(ADMIN);
    expect(withoutCode.status).toBe(401);
    expect(errorOf(withoutCode).code).toBe('totp_required');
    expect(withoutCode.headers.get('set-cookie')).toBeNull();

    const wrong = await signIn(ADMIN, await wrongCode(adminSecret));
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong)).toMatchObject({ code: 'totp_invalid', details: { reason: 'wrong_code' } });
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const wrongPassword = await signIn(
      { ...ADMIN, password: 'not-the-password' },
      await code(adminSecret, 1),
    );
    expect(errorOf(wrongPassword).code).toBe('invalid_credentials');

    // The next step's code: the confirmation spent this step's.
    const next = await code(adminSecret, 1);
    admin = await ApiClient.login(base, ADMIN.email, ADMIN.password, next);
    expect((await admin.request('/api/quarantine')).status).toBe(200);

    const logins = await auditOf('auth.login');
    expect(logins.find((entry) => entry.outcome === 'ok' && entry.params.secondFactor)?.params).toMatchObject(
      {
        method: 'password',
        secondFactor: 'totp',
      },
    );
    expect(logins.filter((entry) => entry.outcome !== 'ok').map((entry) => entry.params.reason)).toEqual(
      expect.arrayContaining(['totp_required', 'wrong_code']),
    );
  });

  it('refuses a code that was accepted before, also when two sign-ins send it at once', async () => {
    const replayed = await signIn(ADMIN, await code(adminSecret, 1));
    expect(replayed.status).toBe(401);
    expect(errorOf(replayed)).toMatchObject({ code: 'totp_invalid', details: { reason: 'replayed_code' } });
    expect(replayed.headers.get('set-cookie')).toBeNull();
    expect((await signIn(ADMIN, await code(adminSecret))).status).toBe(401);

    // A fresh account whose last accepted code is this step's (its confirmation): the next step's code, twice at once.
    const dave = { email: 'dave@corp.test', password: 'daves-long-password' };
    const created = await admin.request('/api/users', {
      method: 'POST',
      json: { email: dave.email, role: 'user', addresses: [dave.email], password: dave.password },
    });
    expect(created.status, created.text).toBe(201);
    const { secret } = await enrol(await ApiClient.login(base, dave.email, dave.password));
    const next = await code(secret, 1);
    const both = await Promise.all([signIn(dave, next), signIn(dave, next)]);
    expect(both.map((answer) => answer.status).sort()).toEqual([200, 401]);
    expect(errorOf(both.find((answer) => answer.status === 401)!).details).toEqual({
      reason: 'replayed_code',
    });
    expect((await signIn(ADMIN, adminRecoveryCodes[9])).status).toBe(200);
  });

  it('takes each recovery code once, in place of a code', async () => {
    const recoverySignIns = async () =>
      (await auditOf('auth.login')).filter((entry) => entry.params.secondFactor === 'recovery_code').length;
    const before = await recoverySignIns();
    const [recovery] = adminRecoveryCodes;
    const typed = ` ${recovery!.toUpperCase().replace('-', ' ')} `;
    const first = await signIn(ADMIN, typed);
    expect(first.status, first.text).toBe(200);
    const again = await signIn(ADMIN, recovery);
    expect(again.status).toBe(401);
    expect(errorOf(again).code).toBe('totp_invalid');
    expect(await recoverySignIns()).toBe(before + 1);
    const twice = await Promise.all([
      signIn(ADMIN, adminRecoveryCodes[1]),
      signIn(ADMIN, adminRecoveryCodes[1]),
    ]);
    expect(twice.map((answer) => answer.status).sort()).toEqual([200, 401]);
  });

  it('counts wrong codes against the sign-in rate limit, which then refuses even the right code', async () => {
    const created = await admin.request('/api/users', {
      method: 'POST',
      json: { email: CAROL.email, role: 'user', addresses: [CAROL.email], password: CAROL.password },
    });
    expect(created.status, created.text).toBe(201);
    const { secret } = await enrol(await ApiClient.login(base, CAROL.email, CAROL.password));
    expect(errorOf(await signIn(CAROL)).code).toBe('totp_required');
    for (let failure = 1; failure < MAX_FAILURES; failure++) {
      expect(errorOf(await signIn(CAROL, await wrongCode(secret))).code).toBe('totp_invalid');
    }
    const limited = await signIn(CAROL, await code(secret, 1));
    expect(limited.status).toBe(429);
    expect(errorOf(limited).code).toBe('rate_limited');
  });

  it('removes a factor with a code by its owner, or by an administrator for someone else (API and CLI)', async () => {
    const created = await admin.request('/api/users', {
      method: 'POST',
      json: { email: BOB.email, role: 'user', addresses: [BOB.email], password: BOB.password },
    });
    expect(created.status, created.text).toBe(201);
    const bobId = (created.body as { user: { id: string } }).user.id;
    const bob = await ApiClient.login(base, BOB.email, BOB.password);
    const token = await admin.request(`/api/users/${bobId}/tokens`, {
      method: 'POST',
      json: { scope: 'read' },
    });
    expect(token.status, token.text).toBe(201);
    const byToken = await ApiClient.bearer(base, (token.body as { secret: string }).secret).request(
      '/api/auth/totp/enrol',
      { method: 'POST' },
    );
    expect(errorOf(byToken).code).toBe('validation_error');

    const { secret, recoveryCodes } = await enrol(bob);
    const noCode = await bob.request('/api/auth/totp/remove', { method: 'POST', json: {} });
    expect(errorOf(noCode).code).toBe('validation_error');
    const wrong = await bob.request('/api/auth/totp/remove', {
      method: 'POST',
      json: { code: await wrongCode(secret) },
    });
    expect(errorOf(wrong).code).toBe('totp_invalid');
    const notTheirs = await bob.request(`/api/users/${bobId}/totp`, { method: 'DELETE' });
    expect(errorOf(notTheirs).code).toBe('insufficient_scope');
    const removed = await bob.request('/api/auth/totp/remove', {
      method: 'POST',
      json: { code: recoveryCodes[0] },
    });
    expect(removed.status, removed.text).toBe(204);
    expect((await signIn(BOB)).status).toBe(200);
    const gone = await bob.request('/api/auth/totp/remove', { method: 'POST', json: { code: '123456' } });
    expect(errorOf(gone).code).toBe('totp_not_enrolled');

    await enrol(bob);
    expect(errorOf(await signIn(BOB)).code).toBe('totp_required');
    const reset = await admin.request(`/api/users/${bobId}/totp`, { method: 'DELETE' });
    expect(reset.status, reset.text).toBe(204);
    expect((await signIn(BOB)).status).toBe(200);

    await enrol(bob);
    const cli = await runCli(cliEnv, ['user', 'totp-reset', BOB.email]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain(`The second factor of ${BOB.email} is removed.`);
    expect((await signIn(BOB)).status).toBe(200);
    const unknown = await runCli(cliEnv, ['user', 'totp-reset', 'nobody@corp.test']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No user nobody@corp.test');

    const removals = await auditOf('auth.totp_remove');
    expect(removals.map((entry) => [entry.actor.label, entry.params.by])).toEqual(
      expect.arrayContaining([
        [BOB.email, 'code'],
        [ADMIN.email, 'administrator'],
        ['system:cli', 'administrator'],
      ]),
    );
  });

  it('refuses an administrator removing their own factor without a code', async () => {
    const me = (await admin.request('/api/auth/me')).body as { user: { id: string } };
    const own = await admin.request(`/api/users/${me.user.id}/totp`, { method: 'DELETE' });
    expect(own.status).toBe(403);
    expect(errorOf(own).code).toBe('forbidden');
  });
});
