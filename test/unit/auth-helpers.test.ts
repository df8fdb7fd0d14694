import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { maxScopeOf } from '../../src/auth/access-policy.js';
import { audit, MAX_AUDIT_ITEM_IDS } from '../../src/auth/audit.js';
import { tokenActor } from '../../src/auth/authenticate.js';
import { parseDuration } from '../../src/auth/duration.js';
import { RateLimits } from '../../src/auth/rate-limits.js';
import { expandScope, systemActor } from '../../src/core/actor.js';
import { isLazaretError } from '../../src/core/errors.js';
import { SqliteAuditStore } from '../../src/store/sqlite/sqlite-audit-store.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import type { TokenRecord, UserRecord } from '../../src/store/user-store.js';

const rejection = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('durations', () => {
  it('reads minutes, hours, days and weeks', () => {
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration(' 2w ')).toBe(14 * 86_400_000);
  });

  it.each(['', '0d', '30', 'd', '-1d', '1y', '1.5d', '4000w'])('refuses %j with validation_error', (text) => {
    expect(() => parseDuration(text)).toThrow(/Invalid duration/);
  });
});

describe('scopes', () => {
  it('nests scopes and caps a token by its owner role', () => {
    expect(expandScope('read')).toEqual(['read']);
    expect(expandScope('admin')).toEqual(['read', 'release', 'admin']);
    expect(maxScopeOf('user')).toBe('release');
    const owner = {
      id: 'U',
      email: 'u@x.test',
      role: 'user',
      domains: [],
      addresses: ['u@x.test'],
    } as unknown as UserRecord;
    const token = { id: 'T', name: 'ci', scope: 'admin' } as TokenRecord;
    expect(tokenActor(token, owner, 'release')).toMatchObject({
      kind: 'token',
      id: 'T',
      label: 'token:ci (u@x.test)',
      scopes: ['read', 'release'],
      userId: 'U',
      releaseMode: 'release',
    });
  });
});

describe('rate limits', () => {
  const limits = () =>
    new RateLimits({
      loginMaxFailuresPerAccount: 3,
      loginMaxFailuresPerIp: 5,
      loginWindowMs: 60_000,
      tokenRequestsPerMinute: 2,
    });

  it('limits one account after its failures, while other accounts go on', async () => {
    const limiter = limits();
    for (let attempt = 0; attempt < 3; attempt += 1) await limiter.loginAttempt('a@x.test', '192.0.2.1');
    const refused = await rejection(limiter.loginAttempt('a@x.test', '192.0.2.2'));
    expect(isLazaretError(refused, 'rate_limited')).toBe(true);
    expect((refused as { details: { retryAfterSeconds: number } }).details.retryAfterSeconds).toBeGreaterThan(
      0,
    );
    await limiter.loginAttempt('b@x.test', '192.0.2.1');
  });

  it('limits one address trying many accounts', async () => {
    const limiter = limits();
    for (let attempt = 0; attempt < 5; attempt += 1)
      await limiter.loginAttempt(`u${attempt}@x.test`, '192.0.2.9');
    expect(
      isLazaretError(await rejection(limiter.loginAttempt('new@x.test', '192.0.2.9')), 'rate_limited'),
    ).toBe(true);
    // The refused attempt did not count against the new account.
    await limiter.loginAttempt('new@x.test', '192.0.2.10');
    await limiter.loginAttempt('new@x.test', '192.0.2.10');
    await limiter.loginAttempt('new@x.test', '192.0.2.10');
  });

  it("forgets an account's failures after a successful sign-in", async () => {
    const limiter = limits();
    await limiter.loginAttempt('a@x.test', '192.0.2.1');
    await limiter.loginAttempt('a@x.test', '192.0.2.1');
    await limiter.loginSucceeded('a@x.test', '192.0.2.1');
    for (let attempt = 0; attempt < 3; attempt += 1) await limiter.loginAttempt('a@x.test', '192.0.2.1');
  });

  it('limits requests per token, each token on its own', async () => {
    const limiter = limits();
    await limiter.tokenRequest('T1');
    await limiter.tokenRequest('T1');
    expect(isLazaretError(await rejection(limiter.tokenRequest('T1')), 'rate_limited')).toBe(true);
    await limiter.tokenRequest('T2');
  });
});

describe('audit helper', () => {
  let dir: string;
  let db: ReturnType<typeof openSqliteDatabase>;
  let store: SqliteAuditStore;
  const now = () => new Date('2026-11-20T10:00:00.000Z');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-audit-'));
    db = openSqliteDatabase(join(dir, 'db.sqlite'));
    store = new SqliteAuditStore(db);
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one entry with actor, ip and defaults, and answers it', async () => {
    const entry = await audit(
      { audit: store, now },
      { actor: systemActor('cli'), ip: '192.0.2.1' },
      { action: 'user.create', target: { userId: 'U' }, tenants: ['corp.test', 'corp.test'] },
    );
    expect(entry).toMatchObject({
      at: '2026-11-20T10:00:00.000Z',
      actor: { kind: 'system', id: 'cli', label: 'system:cli' },
      action: 'user.create',
      tenants: ['corp.test'],
      outcome: 'ok',
      ip: '192.0.2.1',
      params: {},
    });
    expect((await store.listAudit({}, { limit: 10 })).items).toEqual([entry]);
  });

  it('records an anonymous caller by the name they gave, and drops secrets from params', async () => {
    const entry = await audit(
      { audit: store, now },
      { actor: null, label: 'who@x.test' },
      {
        action: 'auth.login',
        outcome: 'failed',
        params: { email: 'who@x.test', password: 'hunter22', token: 'lzt_x' },
      },
    );
    expect(entry.actor).toEqual({ kind: 'anonymous', id: '', label: 'who@x.test' });
    expect(entry.params).toEqual({ email: 'who@x.test' });
  });

  it('caps the item ids of one entry and records how many were left out', async () => {
    const itemIds = Array.from({ length: MAX_AUDIT_ITEM_IDS + 5 }, (_, index) => `I${index}`);
    const entry = await audit(
      { audit: store, now },
      { actor: systemActor('job') },
      { action: 'items.bulk_delete', target: { itemIds } },
    );
    expect(entry.target.itemIds).toHaveLength(MAX_AUDIT_ITEM_IDS);
    expect(entry.params).toEqual({ itemIdsOmitted: 5 });
  });
});
