import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { postgresPoolConfig } from '../../src/store/postgres/postgres-connection.js';
import { postgresError } from '../../src/store/postgres/postgres-errors.js';

const configInvalid = (pattern: RegExp) => (error: unknown) =>
  isLazaretError(error, 'config_invalid') && pattern.test((error as Error).message);

describe('PostgreSQL connection options', () => {
  it('takes the URL apart, with the pool size and timeouts', () => {
    const config = postgresPoolConfig({
      url: 'postgres://lazaret:p%40ss@db.example:6432/quarantine',
      poolSize: 25,
      statementTimeoutMs: 5000,
    });
    expect(config).toMatchObject({
      host: 'db.example',
      port: 6432,
      user: 'lazaret',
      password: 'p@ss',
      database: 'quarantine',
      max: 25,
      statement_timeout: 5000,
      ssl: false,
    });
  });

  it('reads the password from a file (trailing newline dropped), which wins over env and URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lazaret-pgconf-'));
    try {
      await writeFile(join(dir, 'password'), 'from-file\n');
      const config = postgresPoolConfig({
        url: 'postgres://lazaret:from-url@db.example/q',
        password: 'from-env',
        passwordFile: join(dir, 'password'),
      });
      expect(config.password).toBe('from-file');
      expect(
        postgresPoolConfig({ url: 'postgres://lazaret:from-url@db.example/q', password: 'from-env' })
          .password,
      ).toBe('from-env');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('maps the TLS modes: require encrypts without checking, verify-full checks chain and host name', () => {
    expect(postgresPoolConfig({ url: 'postgres://db/q', tls: { mode: 'require' } }).ssl).toEqual({
      rejectUnauthorized: false,
    });
    expect(postgresPoolConfig({ url: 'postgres://db/q', tls: { mode: 'verify-full' } }).ssl).toEqual({
      rejectUnauthorized: true,
    });
    const verifyCa = postgresPoolConfig({ url: 'postgres://db/q', tls: { mode: 'verify-ca' } }).ssl;
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true });
    expect((verifyCa as { checkServerIdentity: () => unknown }).checkServerIdentity()).toBeUndefined();
  });

  it('answers config_invalid for a bad URL, URL options that have their own settings, a bad pool size, a missing file', () => {
    expect(() => postgresPoolConfig({ url: 'not a url' })).toThrow(
      expect.toSatisfy(configInvalid(/is not a URL/)) as never,
    );
    expect(() => postgresPoolConfig({ url: 'mysql://db/q' })).toThrow(/must start with postgres:\/\//);
    expect(() => postgresPoolConfig({ url: 'postgres://db/q?sslmode=disable' })).toThrow(
      /may not set "sslmode"/,
    );
    expect(() => postgresPoolConfig({ url: 'postgres://db/q', poolSize: 0 })).toThrow(/pool size/);
    expect(() =>
      postgresPoolConfig({
        url: 'postgres://db/q',
        tls: { mode: 'verify-full', caFile: '/nonexistent/ca.pem' },
      }),
    ).toThrow(/Cannot read the PostgreSQL CA file/);
  });

  it('accepts a unix socket folder as ?host=, which wins over the host name', () => {
    expect(postgresPoolConfig({ url: 'postgres://lazaret@localhost/q?host=/run/postgresql' })).toMatchObject({
      host: '/run/postgresql',
      user: 'lazaret',
      database: 'q',
    });
    expect(postgresPoolConfig({ url: 'postgres:///q?host=/run/postgresql' })).toMatchObject({
      host: '/run/postgresql',
      database: 'q',
    });
  });
});

describe('PostgreSQL errors', () => {
  const withState = (code: string) => Object.assign(new Error(`server said ${code}`), { code });

  it('turns overload SQLSTATEs and a pool wait timeout into store_throttled', () => {
    for (const code of ['53300', '57P03', '55P03', '57014', '40001', '40P01']) {
      expect(postgresError('op', withState(code)).code).toBe('store_throttled');
    }
    expect(postgresError('op', new Error('timeout exceeded when trying to connect')).code).toBe(
      'store_throttled',
    );
  });

  it('turns a full disk into insufficient_storage and anything else into store_error', () => {
    expect(postgresError('op', withState('53100')).code).toBe('insufficient_storage');
    expect(postgresError('op', withState('23505')).code).toBe('store_error');
    expect(postgresError('op', new Error('connection refused')).code).toBe('store_error');
  });
});
