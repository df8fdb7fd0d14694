import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATION_SETS } from '../../src/store/postgres/open-postgres-stores.js';
import { openPostgresPool } from '../../src/store/postgres/postgres-connection.js';
import { BACKENDS, serveBackendNamed } from '../contract/backends.js';
import { type Daemon, type ScannerDaemons, startScannerDaemons } from '../support/daemons.js';
import { Downstream } from '../support/downstream.js';
import { freePort, missingPrograms, tempDir } from '../support/env.js';
import { TestOidcProvider } from '../support/oidc-provider.js';
import { POSTGRES_TEST_PASSWORD } from '../support/postgres.js';
import { runCli, ServeProcess } from '../support/serve-process.js';
import type { StorageSetup } from '../support/storage-backends.js';

const missing = missingPrograms('lazaret doctor tests', ['clamd', 'spamd', 'rspamd']);
const TLS_DIR = new URL('../fixtures/tls/', import.meta.url);
const RELAY_PASSWORD = 'relay-password-never-printed';
const LINK_KEY = 'link-key-never-printed-0123456789abcdef';

/** The status column of each check line of doctor's report, by check name. */
function statuses(stdout: string): Record<string, string> {
  const lines = stdout.split('\n\n')[0]!.split('\n');
  return Object.fromEntries(
    lines.map((line) => {
      const [, status, name] = /^(ok|FAIL)\s+((?:scanner|learning|auth\.oidc) \S+|\S+)/.exec(line)!;
      return [name!, status!];
    }),
  );
}

describe.skipIf(missing.length > 0)('lazaret doctor against real clamd, spamd, rspamd and SMTP peers', () => {
  let daemons: ScannerDaemons;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let clamd: Daemon;
  let spamd: Daemon;
  let rspamd: Daemon;
  let relay: Downstream;
  let reinjection: Downstream;
  let serve: ServeProcess;
  let env: Record<string, string>;
  const relayLogins: string[] = [];

  beforeAll(async () => {
    [daemons, work] = await Promise.all([startScannerDaemons(), tempDir()]);
    ({ clamd, spamd, rspamd } = daemons);
    // The relay offers STARTTLS and AUTH, as a smarthost would; doctor must use both as configured.
    relay = await new Downstream({
      server: {
        disabledCommands: [],
        key: readFileSync(new URL('key.pem', TLS_DIR)),
        cert: readFileSync(new URL('cert.pem', TLS_DIR)),
        onAuth(auth, session, callback) {
          if (!session.secure) return callback(new Error('TLS first'));
          relayLogins.push(`${auth.username}:${auth.password}`);
          callback(null, { user: auth.username });
        },
      },
    }).start();
    reinjection = await new Downstream().start();
    const dataDir = join(work.path, 'data');
    env = {
      LAZARET_DATA_DIR: dataDir,
      LAZARET_MODE: 'filter',
      LAZARET_FILTER_REINJECT_PORT: String(reinjection.port),
      LAZARET_RELAY_HOST: '127.0.0.1',
      LAZARET_RELAY_PORT: String(relay.port),
      LAZARET_RELAY_TLS: 'starttls',
      LAZARET_RELAY_TLS_VERIFY: 'false',
      LAZARET_RELAY_USER: 'lazaret',
      LAZARET_RELAY_PASSWORD: RELAY_PASSWORD,
      LAZARET_LINK_KEYS: LINK_KEY,
      LAZARET_SCANNERS_ENABLED: 'headers,clamav,spamassassin,rspamd',
      LAZARET_SCANNERS_CLAMAV_PORT: String(clamd.port),
      LAZARET_SCANNERS_SPAMASSASSIN_PORT: String(spamd.port),
      LAZARET_SCANNERS_RSPAMD_URL: `http://127.0.0.1:${rspamd.port}`,
      LAZARET_LEARNING_BACKEND: 'spamassassin',
    };
    serve = await new ServeProcess(env).start();
    env.LAZARET_PUBLIC_URL = serve.baseUrl;
  });

  afterAll(async () => {
    await serve?.stop();
    await Promise.all([daemons?.stop(), relay?.stop(), reinjection?.stop()]);
    await work?.cleanup();
  });

  it('passes every check against a running server and prints the effective config without secrets', async () => {
    const result = await runCli(env, ['doctor']);
    expect(result.stderr).toBe('');
    expect(statuses(result.stdout)).toEqual({
      config: 'ok',
      dataDir: 'ok',
      store: 'ok',
      relay: 'ok',
      reinjection: 'ok',
      'scanner headers': 'ok',
      'scanner clamav': 'ok',
      'scanner spamassassin': 'ok',
      'scanner rspamd': 'ok',
      'learning spamassassin': 'ok',
      'auth.totpKey': 'ok',
      'http.publicUrl': 'ok',
      links: 'ok',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/scanner clamav\s+answers: PONG/);
    expect(result.stdout).toMatch(/scanner spamassassin\s+answers: SPAMD\/1\.5 0 PONG/);
    expect(result.stdout).toMatch(/scanner rspamd\s+answers: pong/);
    expect(result.stdout).toMatch(
      /relay\s+127\.0\.0\.1:\d+: greeting and EHLO answered \(STARTTLS required\)/,
    );
    expect(result.stdout).toMatch(/store\s+sqlite: .* passes quick_check, 0 item\(s\)/);
    expect(result.stdout).toMatch(/All checks passed\.\n$/);
    // It really logged in over TLS, and printed neither secret.
    expect(relayLogins).toContain(`lazaret:${RELAY_PASSWORD}`);
    expect(result.stdout).not.toContain(RELAY_PASSWORD);
    expect(result.stdout).not.toContain(LINK_KEY);
    const config = JSON.parse(
      /Effective configuration \(secrets redacted\):\n([\s\S]*?\n})\n/.exec(result.stdout)![1]!,
    );
    expect(config.relay).toMatchObject({ user: 'lazaret', password: '[redacted]', port: relay.port });
    expect(config.links.keys).toBe('[redacted]');
    expect(config.scanners.enabled).toEqual(['headers', 'clamav', 'spamassassin', 'rspamd']);
  });

  it('fails, with exit code 1, each check whose peer or folder is wrong, and names why', async () => {
    const closed = await freePort();
    const wideOpen = join(work.path, 'open');
    await mkdir(wideOpen);
    await chmod(wideOpen, 0o777);
    const result = await runCli(
      {
        ...env,
        LAZARET_DATA_DIR: wideOpen,
        LAZARET_RELAY_PORT: String(closed),
        LAZARET_SCANNERS_CLAMAV_PORT: String(closed),
        LAZARET_SCANNERS_RSPAMD_URL: `http://127.0.0.1:${spamd.port}`,
        LAZARET_PUBLIC_URL: `http://127.0.0.1:${closed}`,
      },
      ['doctor'],
    );
    expect(result.code).toBe(1);
    expect(statuses(result.stdout)).toMatchObject({
      dataDir: 'FAIL',
      store: 'ok',
      relay: 'FAIL',
      reinjection: 'ok',
      'scanner clamav': 'FAIL',
      'scanner spamassassin': 'ok',
      'scanner rspamd': 'FAIL',
      'http.publicUrl': 'FAIL',
    });
    expect(result.stdout).toMatch(/dataDir\s+.*is writable by every user \(mode 777\)/);
    expect(result.stdout).toMatch(new RegExp(`relay\\s+.*ECONNREFUSED 127\\.0\\.0\\.1:${closed}`));
    expect(result.stdout).toMatch(/5 check\(s\) failed\.\n$/);
  });

  it('checks the daemon learning teaches through the scanner keys; a deprecated learning.* key still counts, with a warning', async () => {
    const closed = await freePort();
    const controller = await runCli(
      {
        ...env,
        LAZARET_LEARNING_BACKEND: 'rspamd',
        LAZARET_SCANNERS_RSPAMD_CONTROLLER_URL: `http://127.0.0.1:${rspamd.port}`,
      },
      ['doctor'],
    );
    expect(controller.stderr).toBe('');
    expect(statuses(controller.stdout)).toMatchObject({ 'scanner rspamd': 'ok', 'learning rspamd': 'ok' });
    expect(controller.stdout).toMatch(/learning rspamd\s+answers: pong/);
    const deprecated = await runCli(
      {
        ...env,
        LAZARET_LEARNING_BACKEND: 'rspamd',
        LAZARET_LEARNING_RSPAMD_URL: `http://127.0.0.1:${closed}`,
      },
      ['doctor'],
    );
    expect(deprecated.stderr).toBe(
      'lazaret: warning: learning.rspamdUrl (env LAZARET_LEARNING_RSPAMD_URL) is deprecated: use scanners.rspamd.controllerUrl (LAZARET_SCANNERS_RSPAMD_CONTROLLER_URL) instead\n',
    );
    expect(statuses(deprecated.stdout)).toMatchObject({ 'scanner rspamd': 'ok', 'learning rspamd': 'FAIL' });
    expect(deprecated.code).toBe(1);
    const conflict = await runCli({ ...env, LAZARET_LEARNING_SPAMD_PORT: String(closed) }, ['doctor']);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain(
      'lazaret: Invalid configuration scanners.spamassassin.port (env LAZARET_SCANNERS_SPAMASSASSIN_PORT): its deprecated alias learning.spamdPort (env LAZARET_LEARNING_SPAMD_PORT) is set too',
    );
  });

  it('stops with exit code 2 and the key named when the configuration is invalid', async () => {
    const result = await runCli({ ...env, LAZARET_RELAY_TLS: 'sometimes' }, ['doctor']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^lazaret: Invalid configuration relay\.tls \(env LAZARET_RELAY_TLS\)/);
  });
});

describe('lazaret doctor: the sign-in providers, the TOTP key and the rspamd hand-off secret', () => {
  const OIDC_SECRET = 'oidc-client-secret-never-printed';
  const HANDOFF_SECRET = 'handoff-secret-never-printed-0123';
  let work: Awaited<ReturnType<typeof tempDir>>;
  let relay: Downstream;
  let provider: TestOidcProvider;
  let env: Record<string, string>;
  const file = (name: string) => join(work.path, name);

  beforeAll(async () => {
    [work, relay, provider] = await Promise.all([
      tempDir(),
      new Downstream().start(),
      new TestOidcProvider().listen(),
    ]);
    provider.configure([
      {
        clientId: 'lazaret',
        clientSecret: OIDC_SECRET,
        redirectUris: ['http://127.0.0.1:8025/api/auth/oidc/corp/callback'],
        postLogoutRedirectUris: ['http://127.0.0.1:8025/'],
      },
    ]);
    await Promise.all([
      writeFile(file('oidc-secret'), `${OIDC_SECRET}\n`),
      writeFile(file('handoff-secret'), `${HANDOFF_SECRET}\n`),
      writeFile(file('short-secret'), 'too-short\n'),
      writeFile(file('totp.key'), `${randomBytes(32).toString('base64')}\n`),
      writeFile(file('bad-totp.key'), `${randomBytes(16).toString('base64')}\n`),
      mkdir(file('data'), { mode: 0o700 }),
    ]);
    env = {
      LAZARET_DATA_DIR: file('data'),
      LAZARET_RELAY_HOST: '127.0.0.1',
      LAZARET_RELAY_PORT: String(relay.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_SCANNERS_ENABLED: 'headers',
      LAZARET_DIGEST_ENABLED: 'false',
      LAZARET_OIDC_PROVIDERS: JSON.stringify([
        {
          id: 'corp',
          label: 'Corp',
          issuer: provider.issuer,
          clientId: 'lazaret',
          clientSecretFile: file('oidc-secret'),
        },
      ]),
      LAZARET_TOTP_KEY_FILE: file('totp.key'),
      LAZARET_HANDOFF_RSPAMD_SECRET_FILE: file('handoff-secret'),
    };
  });

  afterAll(async () => {
    await Promise.all([relay?.stop(), provider?.close()]);
    await work?.cleanup();
  });

  it('passes each of them when they are right, and prints no secret', async () => {
    const result = await runCli(env, ['doctor']);
    expect(result.stderr).toBe('');
    expect(statuses(result.stdout)).toMatchObject({
      'auth.oidc corp': 'ok',
      'auth.totpKey': 'ok',
      'handoff.rspamd': 'ok',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`auth\\.oidc corp\\s+${provider.issuer}: discovered`));
    expect(result.stdout).toMatch(/handoff\.rspamd\s+POST \/api\/ingest\/rspamd on; secret of 33 characters/);
    for (const secret of [OIDC_SECRET, HANDOFF_SECRET]) expect(result.stdout).not.toContain(secret);
  });

  it('fails each one that the server would refuse or could not use, and names why', async () => {
    const closed = await freePort();
    const result = await runCli(
      {
        ...env,
        LAZARET_OIDC_PROVIDERS: JSON.stringify([
          {
            id: 'nosecret',
            label: 'A',
            issuer: provider.issuer,
            clientId: 'lazaret',
            clientSecretFile: file('gone'),
          },
          { id: 'down', label: 'B', issuer: `http://127.0.0.1:${closed}`, clientId: 'lazaret' },
        ]),
        LAZARET_TOTP_KEY_FILE: file('bad-totp.key'),
        LAZARET_HANDOFF_RSPAMD_SECRET_FILE: file('short-secret'),
      },
      ['doctor'],
    );
    expect(statuses(result.stdout)).toMatchObject({
      'auth.oidc nosecret': 'FAIL',
      'auth.oidc down': 'FAIL',
      'auth.totpKey': 'FAIL',
      'handoff.rspamd': 'FAIL',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /auth\.oidc nosecret\s+.*Cannot read auth\.oidc\.providers nosecret: clientSecretFile/,
    );
    expect(result.stdout).toMatch(
      new RegExp(`auth\\.oidc down\\s+.*Cannot reach B \\(http://127\\.0\\.0\\.1:${closed}\\)`),
    );
    expect(result.stdout).toMatch(/auth\.totpKey\s+.*must hold 32 random bytes in base64/);
    expect(result.stdout).toMatch(/handoff\.rspamd\s+.*must have at least 16 characters/);
  });

  it('accepts a generated TOTP key not created yet, and fails one that others can read; never creates it', async () => {
    const dataDir = file('fresh-data');
    await mkdir(dataDir, { mode: 0o700 });
    const generated = Object.fromEntries(
      Object.entries({ ...env, LAZARET_DATA_DIR: dataDir }).filter(
        ([key]) => key !== 'LAZARET_TOTP_KEY_FILE',
      ),
    );
    const fresh = await runCli(generated, ['doctor']);
    expect(statuses(fresh.stdout)['auth.totpKey']).toBe('ok');
    expect(fresh.stdout).toMatch(
      /auth\.totpKey\s+\S+totp-secret\.key not created yet \(generated at first use; kept by lazaret backup\)/,
    );
    await expect(readFile(join(dataDir, 'totp-secret.key'))).rejects.toThrow(/ENOENT/);
    await writeFile(join(dataDir, 'totp-secret.key'), `${randomBytes(32).toString('base64')}\n`, {
      mode: 0o644,
    });
    const open = await runCli(generated, ['doctor']);
    expect(statuses(open.stdout)['auth.totpKey']).toBe('FAIL');
    expect(open.stdout).toMatch(/auth\.totpKey\s+.*is readable by others \(mode 644\); chmod 600/);
    expect(open.code).toBe(1);
  });
});

describe('lazaret doctor on DynamoDB + S3 (dynalite, s3rver)', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let storage: StorageSetup;

  beforeAll(async () => {
    work = await tempDir('lazaret-doctor-aws-');
    storage = await serveBackendNamed('dynamodb-s3').setup(work.path);
  });

  afterAll(async () => {
    await storage?.cleanup();
    await work?.cleanup();
  });

  it('checks the table and the bucket, and fails the store when the bucket is missing', async () => {
    const ok = await runCli(storage.env, ['doctor']);
    expect(ok.stdout).toMatch(/^ok\s+store\s+dynamodb: table \S+ answers; s3: bucket \S+ answers$/m);
    const missing = await runCli({ ...storage.env, LAZARET_S3_BUCKET: 'no-such-bucket' }, ['doctor']);
    expect(missing.stdout).toMatch(/^FAIL\s+store\s+.*no-such-bucket/m);
    expect(missing.code).toBe(1);
  });
});

describe.runIf(BACKENDS.some((backend) => backend.key === 'postgres-s3'))(
  'lazaret doctor on PostgreSQL + S3 (s3rver)',
  () => {
    let work: Awaited<ReturnType<typeof tempDir>>;
    let storage: StorageSetup;

    beforeAll(async () => {
      work = await tempDir('lazaret-doctor-pg-');
      storage = await serveBackendNamed('postgres-s3').setup(work.path);
    });

    afterAll(async () => {
      await storage?.cleanup();
      await work?.cleanup();
    });

    it('checks the database and the bucket, and fails the store when its password file cannot be read', async () => {
      const ok = await runCli(storage.env, ['doctor']);
      expect(ok.stdout).toMatch(
        /^ok\s+store\s+postgres: database answers, schema not created yet .*; s3: bucket \S+ answers$/m,
      );
      const denied = await runCli({ ...storage.env, LAZARET_POSTGRES_PASSWORD_FILE: '/nonexistent' }, [
        'doctor',
      ]);
      expect(denied.stdout).toMatch(/^FAIL\s+store\s+.*Cannot read the PostgreSQL password file/m);
      expect(denied.code).toBe(1);
    });

    it('reports the schema version and pending migrations, and never migrates itself', async () => {
      const pool = openPostgresPool({
        url: storage.env.LAZARET_POSTGRES_URL!,
        password: POSTGRES_TEST_PASSWORD,
        poolSize: 1,
      });
      const steps = async () =>
        (await pool.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")).rows[0].present
          ? (await pool.query('SELECT name, step FROM schema_migrations ORDER BY 1, 2')).rows
          : null;
      try {
        // On an empty database the doctor leaves it empty.
        expect((await runCli(storage.env, ['doctor'])).stdout).toMatch(/^ok\s+store\s+.*not created yet/m);
        expect(await steps()).toBeNull();

        expect((await runCli(storage.env, ['postgres', 'migrate'])).code).toBe(0);
        const all = await steps();
        const known = POSTGRES_MIGRATION_SETS.reduce((sum, set) => sum + set.steps.length, 0);
        expect(all).toHaveLength(known);
        expect((await runCli(storage.env, ['doctor'])).stdout).toMatch(
          new RegExp(
            `^ok\\s+store\\s+postgres: database answers, schema up to date \\(${known} steps\\)`,
            'm',
          ),
        );

        // A database one step behind this version (as after an upgrade of the nodes' software).
        await pool.query("DELETE FROM schema_migrations WHERE name = 'stats'");
        const behind = await runCli(storage.env, ['doctor']);
        expect(behind.stdout).toMatch(
          /^FAIL\s+store\s+postgres: migrations pending \(stats 0\/1 steps applied\); run `lazaret postgres migrate`/m,
        );
        expect(behind.code).toBe(1);
        expect(await steps()).toHaveLength(known - 1);
        await pool.query("INSERT INTO schema_migrations (name, step) VALUES ('stats', 0)");

        // One step ahead: written by a newer version.
        await pool.query("INSERT INTO schema_migrations (name, step) VALUES ('items', 99)");
        const ahead = await runCli(storage.env, ['doctor']);
        expect(ahead.stdout).toMatch(
          /^FAIL\s+store\s+postgres: the schema was written by a newer Lazaret \(items 2\/1 steps\)/m,
        );
        await pool.query("DELETE FROM schema_migrations WHERE name = 'items' AND step = 99");
        expect(await steps()).toEqual(all);
      } finally {
        await pool.end();
      }
    });
  },
);
