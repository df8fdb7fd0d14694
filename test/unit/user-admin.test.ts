import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installAuthentication } from '../../src/api/request-actor.js';
import {
  type AuthDeps,
  authenticateSession,
  authenticateToken,
  login,
  sessionActor,
} from '../../src/auth/authenticate.js';
import { ensureFirstAdmin } from '../../src/auth/bootstrap.js';
import { RateLimits } from '../../src/auth/rate-limits.js';
import { SecretBox } from '../../src/auth/secrets.js';
import {
  createToken,
  createUser,
  revokeToken,
  setDisabled,
  setPassword,
  type UserAdminDeps,
  updateUser,
} from '../../src/auth/user-admin.js';
import { systemActor } from '../../src/core/actor.js';
import { isLazaretError, type LazaretError } from '../../src/core/errors.js';
import { SqliteAuditStore } from '../../src/store/sqlite/sqlite-audit-store.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteUserStore } from '../../src/store/sqlite/sqlite-user-store.js';

const cli = { actor: systemActor('cli') };
const failure = async (promise: Promise<unknown>, code: LazaretError['code']) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isLazaretError(error, code), String(error)).toBe(true);
  return error as LazaretError;
};

describe('managing users and tokens', () => {
  let dir: string;
  let db: ReturnType<typeof openSqliteDatabase>;
  let deps: UserAdminDeps & AuthDeps;
  let clock: Date;
  const limits = () =>
    new RateLimits({
      loginMaxFailuresPerAccount: 5,
      loginMaxFailuresPerIp: 50,
      loginWindowMs: 60_000,
      tokenRequestsPerMinute: 100,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-users-'));
    db = openSqliteDatabase(join(dir, 'db.sqlite'));
    clock = new Date('2026-11-20T10:00:00.000Z');
    deps = {
      users: new SqliteUserStore(db),
      audit: new SqliteAuditStore(db),
      now: () => clock,
      userRelease: 'release',
      sessionTtlMs: 3_600_000,
      totpSecrets: SecretBox.ephemeral(),
    };
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates users with their role fields, lower-cased, and refuses bad input', async () => {
    const { user, generatedPassword } = await createUser(deps, cli, {
      email: ' Bob@Corp.TEST ',
      role: 'user',
    });
    expect(user).toMatchObject({
      email: 'bob@corp.test',
      addresses: ['bob@corp.test'],
      domains: [],
      displayName: 'bob@corp.test',
    });
    expect(generatedPassword).toHaveLength(20);
    const dora = await createUser(deps, cli, {
      email: 'dora@corp.test',
      role: 'domain_admin',
      domains: ['@Corp.Test'],
      password: 'long-enough-1',
    });
    expect(dora.user.domains).toEqual(['corp.test']);
    expect(dora.generatedPassword).toBeUndefined();

    await failure(createUser(deps, cli, { email: 'bob@corp.test', role: 'user' }), 'user_exists');
    await failure(createUser(deps, cli, { email: 'not-an-address', role: 'user' }), 'address_invalid');
    await failure(createUser(deps, cli, { email: 'd@corp.test', role: 'domain_admin' }), 'validation_error');
    await failure(
      createUser(deps, cli, { email: 'd@corp.test', role: 'domain_admin', domains: ['bad domain'] }),
      'address_invalid',
    );
    await failure(
      createUser(deps, cli, { email: 'e@corp.test', role: 'user', password: 'short' }),
      'validation_error',
    );
    const audited = await deps.audit.listAudit({ action: 'user.create' }, { limit: 10 });
    expect(audited.items.map((entry) => entry.params.email)).toEqual(['dora@corp.test', 'bob@corp.test']);
  });

  it('lets a domain admin create and change only users of their domains', async () => {
    const dora = (
      await createUser(deps, cli, { email: 'dora@corp.test', role: 'domain_admin', domains: ['corp.test'] })
    ).user;
    const asDora = { actor: sessionActor(dora, 'release') };
    await createUser(deps, asDora, { email: 'amy@corp.test', role: 'user' });
    await failure(createUser(deps, asDora, { email: 'zed@other.test', role: 'user' }), 'forbidden');
    await failure(createUser(deps, asDora, { email: 'boss@corp.test', role: 'admin' }), 'forbidden');
    await failure(updateUser(deps, asDora, 'amy@corp.test', { addresses: ['amy@other.test'] }), 'forbidden');
    await failure(
      updateUser(deps, asDora, 'amy@corp.test', { role: 'domain_admin', domains: ['corp.test'] }),
      'forbidden',
    );
    const changed = await updateUser(deps, asDora, 'amy@corp.test', {
      addresses: ['amy@corp.test', 'a@corp.test'],
      releaseMode: 'request',
    });
    expect(changed).toMatchObject({ addresses: ['amy@corp.test', 'a@corp.test'], releaseMode: 'request' });
  });

  it('signs in, and a new password or disabling ends every session', async () => {
    await createUser(deps, cli, { email: 'bob@corp.test', role: 'user', password: 'first-password' });
    const limiter = limits();
    await failure(
      login(deps, limiter, { email: 'bob@corp.test', password: 'wrong-password', ip: '192.0.2.1' }),
      'invalid_credentials',
    );
    await failure(
      login(deps, limiter, { email: 'nobody@corp.test', password: 'first-password', ip: '192.0.2.1' }),
      'invalid_credentials',
    );
    const first = await login(deps, limiter, {
      email: 'BOB@corp.test',
      password: 'first-password',
      ip: '192.0.2.1',
    });
    expect((await authenticateSession(deps, first.cookieValue)).actor).toMatchObject({
      kind: 'user',
      label: 'bob@corp.test',
    });
    await failure(authenticateSession(deps, `${first.cookieValue}x`), 'unauthenticated');

    await setPassword(deps, cli, 'bob@corp.test', 'second-password');
    await failure(authenticateSession(deps, first.cookieValue), 'unauthenticated');
    await failure(
      login(deps, limiter, { email: 'bob@corp.test', password: 'first-password', ip: '192.0.2.1' }),
      'invalid_credentials',
    );
    const second = await login(deps, limiter, {
      email: 'bob@corp.test',
      password: 'second-password',
      ip: '192.0.2.1',
    });

    await setDisabled(deps, cli, 'bob@corp.test', true);
    await failure(authenticateSession(deps, second.cookieValue), 'unauthenticated');
    await failure(
      login(deps, limiter, { email: 'bob@corp.test', password: 'second-password', ip: '192.0.2.1' }),
      'invalid_credentials',
    );
    await setDisabled(deps, cli, 'bob@corp.test', false);
    const third = await login(deps, limiter, {
      email: 'bob@corp.test',
      password: 'second-password',
      ip: '192.0.2.1',
    });

    clock = new Date(clock.getTime() + deps.sessionTtlMs);
    await failure(authenticateSession(deps, third.cookieValue), 'unauthenticated');
  });

  it('caps token scopes by role, and refuses revoked, expired and disabled-owner tokens', async () => {
    await createUser(deps, cli, { email: 'bob@corp.test', role: 'user' });
    await failure(createToken(deps, cli, { user: 'bob@corp.test', scope: 'admin' }), 'validation_error');
    await failure(createToken(deps, cli, { user: 'nobody@corp.test', scope: 'read' }), 'not_found');
    const lasting = await createToken(deps, cli, { user: 'bob@corp.test', scope: 'release' });
    const brief = await createToken(deps, cli, {
      user: 'bob@corp.test',
      scope: 'read',
      expiresInMs: 60_000,
      name: 'brief',
    });
    expect(brief.token).toMatchObject({ name: 'brief', expiresAt: '2026-11-20T10:01:00.000Z' });
    expect(brief.token.secretHash).not.toContain(brief.secret);

    const used = await authenticateToken(deps, lasting.secret);
    expect(used.actor.scopes).toEqual(['read', 'release']);
    expect((await deps.users.getToken(lasting.token.id))?.lastUsedAt).toBe('2026-11-20T10:00:00.000Z');
    await failure(authenticateToken(deps, 'lzt_unknown'), 'unauthenticated');
    await failure(authenticateToken(deps, 'not-even-a-token'), 'unauthenticated');

    clock = new Date('2026-11-20T10:01:00.000Z');
    await failure(authenticateToken(deps, brief.secret), 'unauthenticated');
    await revokeToken(deps, cli, lasting.token.id);
    await revokeToken(deps, cli, lasting.token.id);
    await failure(authenticateToken(deps, lasting.secret), 'unauthenticated');
    expect((await deps.audit.listAudit({ action: 'token.revoke' }, { limit: 10 })).items).toHaveLength(1);

    const another = await createToken(deps, cli, { user: 'bob@corp.test', scope: 'read' });
    await setDisabled(deps, cli, 'bob@corp.test', true);
    await failure(authenticateToken(deps, another.secret), 'unauthenticated');
  });

  it('creates the first admin once, with the configured password or a printed one', async () => {
    const printed: string[] = [];
    const logger = pino({ level: 'silent' });
    const admin = await ensureFirstAdmin(deps, { adminEmail: 'root@corp.test' }, logger, (text) =>
      printed.push(text),
    );
    expect(admin).toMatchObject({ email: 'root@corp.test', role: 'admin' });
    expect(printed).toHaveLength(1);
    const password = /password: (\S+)/.exec(printed[0]!)![1]!;
    await login(deps, limits(), { email: 'root@corp.test', password, ip: '192.0.2.1' });
    expect(
      await ensureFirstAdmin(
        deps,
        { adminEmail: 'other@corp.test', adminPassword: 'x'.repeat(12) },
        logger,
        (text) => printed.push(text),
      ),
    ).toBeNull();
    expect(printed).toHaveLength(1);
  });
});

describe('deny by default', () => {
  it('refuses to start with a route that declares neither a scope nor public', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lazaret-routes-'));
    const db = openSqliteDatabase(join(dir, 'db.sqlite'));
    try {
      const app = Fastify();
      installAuthentication(
        app,
        {
          users: new SqliteUserStore(db),
          audit: new SqliteAuditStore(db),
          now: () => new Date(),
          userRelease: 'release',
          sessionTtlMs: 60_000,
          totpSecrets: SecretBox.ephemeral(),
        },
        new RateLimits({
          loginMaxFailuresPerAccount: 1,
          loginMaxFailuresPerIp: 1,
          loginWindowMs: 60_000,
          tokenRequestsPerMinute: 1,
        }),
      );
      app.get('/open', { config: { public: true } }, async () => 'ok');
      expect(() => app.get('/forgotten', async () => 'oops')).toThrow(/GET \/forgotten declares neither/);
      await app.close();
    } finally {
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
