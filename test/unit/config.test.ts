import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderAliasTable, renderConfigTable } from '../../src/config/config-docs.js';
import { loadConfig } from '../../src/config/load-config.js';
import { isLazaretError } from '../../src/core/errors.js';
import { folderForThisTest } from '../support/temp-folders.js';

const configError = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (isLazaretError(error, 'config_invalid')) return error;
    throw error;
  }
  throw new Error('expected config_invalid');
};

describe('loadConfig', () => {
  it('runs with no configuration at all on the embedded defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({
      dataDir: resolve('./data'),
      smtp: { host: '127.0.0.1', port: 2525, maxMessageSize: 50 * 1024 * 1024 },
      http: { host: '127.0.0.1', port: 8025 },
      relay: { host: '127.0.0.1', port: 25, tls: 'opportunistic', tlsVerify: true },
      auth: { adminEmail: 'admin@localhost', sessionTtlMs: 12 * 3_600_000, loginMaxFailuresPerAccount: 10 },
      access: { malwareRelease: 'admin', userRelease: 'release' },
    });
    expect(config.auth.adminPassword).toBeUndefined();
    expect(config.nodeName).toMatch(/:\d+$/);
  });

  it('lets the file override defaults and the environment override the file', async () => {
    const dir = await folderForThisTest('lazaret-config-');
    const file = join(dir, 'lazaret.json');
    await writeFile(
      file,
      JSON.stringify({ smtp: { port: 2600 }, relay: { host: 'mx.internal', port: 2700 } }),
    );
    const config = loadConfig({
      env: { LAZARET_CONFIG: file, LAZARET_RELAY_PORT: '2800', LAZARET_RELAY_TLS_VERIFY: 'false' },
    });
    expect(config.smtp.port).toBe(2600);
    expect(config.relay).toMatchObject({ host: 'mx.internal', port: 2800, tlsVerify: false });
  });

  it.each([
    [{ LAZARET_SMTP_PORT: 'abc' }, 'smtp.port', 'LAZARET_SMTP_PORT'],
    [{ LAZARET_HTTP_PORT: '70000' }, 'http.port', 'between 0 and 65535'],
    [{ LAZARET_RELAY_TLS: 'sometimes' }, 'relay.tls', 'one of none, starttls'],
    [{ LAZARET_RELAY_TLS_VERIFY: 'maybe' }, 'relay.tlsVerify', 'true or false'],
    [{ LAZARET_SMTP_MAX_RECIPIENTS: '0' }, 'smtp.maxRecipients', 'between 1'],
    [{ LAZARET_DATA_DIR: '   ' }, 'dataDir', 'must not be empty'],
    [{ LAZARET_MALWARE_RELEASE: 'everyone' }, 'access.malwareRelease', 'one of admin, domain_admin, user'],
    [{ LAZARET_USER_RELEASE: 'maybe' }, 'access.userRelease', 'one of release, request'],
    [{ LAZARET_SESSION_TTL_MS: '5' }, 'auth.sessionTtlMs', 'between 60000'],
    [{ LAZARET_TLS_CERT: '/etc/cert.pem' }, 'http.tlsKey', 'given together'],
    [{ LAZARET_TLS_KEY: '/etc/key.pem' }, 'http.tlsCert', 'given together'],
  ])('refuses %j naming the key', (env, key, text) => {
    const error = configError(() => loadConfig({ env }));
    expect(error.message).toContain(key);
    expect(error.message).toContain(text);
    expect(error.details).toMatchObject({ key });
  });

  it('refuses delivery retries whose back-off would outlast the release lease', () => {
    const error = configError(() =>
      loadConfig({ env: { LAZARET_RELEASE_ATTEMPTS: '10', LAZARET_RELEASE_RETRY_BASE_MS: '2000' } }),
    );
    expect(error.message).toContain('release.attempts / release.retryBaseMs');
    expect(error.message).toContain('1022000 ms');
    expect(
      loadConfig({ env: { LAZARET_RELEASE_ATTEMPTS: '5', LAZARET_RELEASE_RETRY_BASE_MS: '2000' } }).release,
    ).toMatchObject({
      attempts: 5,
    });
  });

  it('requires single sign-on only with a way to sign in through it, and break-glass entries that are emails', () => {
    const noProvider = configError(() => loadConfig({ env: { LAZARET_REQUIRE_SSO: 'true' } }));
    expect(noProvider.message).toContain('auth.requireSso');
    expect(noProvider.message).toContain('auth.oidc.providers');
    expect(noProvider.details).toMatchObject({ key: 'auth.requireSso' });
    const notEmail = configError(() =>
      loadConfig({ env: { LAZARET_BREAK_GLASS_ADMINS: 'root@corp.test,root' } }),
    );
    expect(notEmail.message).toContain('auth.breakGlassAdmins');
    expect(notEmail.message).toContain('"root"');
    const provider = { id: 'corp', label: 'Corp', issuer: 'https://sso.corp.test', clientId: 'lazaret' };
    for (const way of [
      { LAZARET_OIDC_PROVIDERS: JSON.stringify([provider]) },
      { LAZARET_LDAP_URL: 'ldaps://ldap.corp.test' },
    ]) {
      const config = loadConfig({
        env: { LAZARET_REQUIRE_SSO: 'true', LAZARET_BREAK_GLASS_ADMINS: ' Root@Corp.TEST ', ...way },
      });
      expect(config.auth).toMatchObject({ requireSso: true, breakGlassAdmins: ['root@corp.test'] });
    }
    expect(loadConfig({ env: {} }).auth).toMatchObject({ requireSso: false, breakGlassAdmins: [] });
  });

  it('refuses unknown keys, wrong types and broken JSON in the file', async () => {
    const dir = await folderForThisTest('lazaret-config-');
    const cases: [string, string][] = [
      ['{"smtp": {"prot": 25}}', 'Unknown configuration key smtp.prot'],
      ['{"smtp": {"port": "25"}}', 'smtp.port'],
      ['{"smtp": ', 'is not a JSON object'],
      ['[1, 2]', 'is not a JSON object'],
    ];
    for (const [index, [text, message]] of cases.entries()) {
      const file = join(dir, `case${index}.json`);
      await writeFile(file, text);
      expect(configError(() => loadConfig({ file, env: {} })).message).toContain(message);
    }
    expect(configError(() => loadConfig({ file: join(dir, 'missing.json'), env: {} })).message).toContain(
      'Cannot read config file',
    );
  });

  it('reads the scale-out backends and their settings', () => {
    const config = loadConfig({
      env: {
        LAZARET_STORE: 'dynamodb',
        LAZARET_BLOBS: 's3',
        LAZARET_AWS_REGION: 'eu-central-1',
        LAZARET_DYNAMODB_TABLE: 'quarantine',
        LAZARET_DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
        LAZARET_S3_BUCKET: 'raw-mail',
        LAZARET_S3_FORCE_PATH_STYLE: 'true',
        LAZARET_S3_CHECKSUMS: 'when_required',
      },
    });
    expect(config).toMatchObject({
      store: { backend: 'dynamodb' },
      blobs: { backend: 's3' },
      aws: { region: 'eu-central-1' },
      dynamodb: { table: 'quarantine', endpoint: 'http://127.0.0.1:4567', maxAttempts: 8, minSendRate: 25 },
      s3: { bucket: 'raw-mail', forcePathStyle: true, checksums: 'when_required', partSize: 8 * 1024 * 1024 },
    });
    expect(
      loadConfig({
        env: {
          LAZARET_STORE: 'postgres',
          LAZARET_POSTGRES_URL: 'postgres://lazaret@db.internal:5432/lazaret',
          LAZARET_POSTGRES_PASSWORD_FILE: '/run/secrets/lazaret-db',
          LAZARET_POSTGRES_TLS: 'verify-full',
          LAZARET_POSTGRES_TLS_CA_FILE: '/etc/lazaret/db-ca.pem',
          LAZARET_POSTGRES_POOL_SIZE: '20',
        },
      }),
    ).toMatchObject({
      store: { backend: 'postgres' },
      postgres: {
        url: 'postgres://lazaret@db.internal:5432/lazaret',
        passwordFile: '/run/secrets/lazaret-db',
        tls: 'verify-full',
        tlsCaFile: '/etc/lazaret/db-ca.pem',
        poolSize: 20,
        connectTimeoutMs: 10_000,
        statementTimeoutMs: 30_000,
      },
    });
    expect(loadConfig({ env: {} })).toMatchObject({
      store: { backend: 'sqlite' },
      blobs: { backend: 'fs' },
      aws: {},
    });
  });

  it.each([
    [{ LAZARET_STORE: 'oracle' }, 'store.backend', 'one of sqlite, dynamodb, postgres'],
    [{ LAZARET_STORE: 'postgres' }, 'postgres.url', 'required when store.backend is postgres'],
    [
      { LAZARET_STORE: 'postgres', LAZARET_POSTGRES_URL: 'postgres://lazaret:secret@db/lazaret' },
      'postgres.url',
      'holds a password',
    ],
    [
      { LAZARET_STORE: 'postgres', LAZARET_POSTGRES_URL: 'mysql://db/lazaret' },
      'postgres.url',
      'expected postgres://',
    ],
    [
      {
        LAZARET_STORE: 'postgres',
        LAZARET_POSTGRES_URL: 'postgres://db/x',
        LAZARET_POSTGRES_TLS_CERT_FILE: '/c.pem',
      },
      'postgres.tlsKeyFile',
      'must be given together',
    ],
    [
      {
        LAZARET_STORE: 'postgres',
        LAZARET_POSTGRES_URL: 'postgres://db/x',
        LAZARET_POSTGRES_TLS_CA_FILE: '/ca.pem',
      },
      'postgres.tls',
      'is disable',
    ],
    [{ LAZARET_POSTGRES_POOL_SIZE: '0' }, 'postgres.poolSize', 'between 1 and 1000'],
    [{ LAZARET_BLOBS: 's3' }, 's3.bucket', 'required when blobs.backend is s3'],
    [{ LAZARET_S3_PART_SIZE: '1000' }, 's3.partSize', 'between 5242880'],
    [{ LAZARET_DYNAMODB_SWEEP_AFTER_MS: '5' }, 'dynamodb.sweepAfterMs', 'between 10000'],
    [{ LAZARET_S3_CHECKSUMS: 'never' }, 's3.checksums', 'one of when_supported, when_required'],
  ])('refuses scale-out setting %j naming the key', (env, key, text) => {
    const error = configError(() => loadConfig({ env }));
    expect(error.message).toContain(key);
    expect(error.message).toContain(text);
  });

  it('is documented: docs/configuration.md holds the tables generated from the config schema', () => {
    const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(docs, 'run `npm run docs:config`').toContain(renderConfigTable());
    expect(docs, 'run `npm run docs:config`').toContain(renderAliasTable());
  });
});
