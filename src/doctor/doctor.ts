import { constants } from 'node:fs';
import { access, stat, statfs } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { directoryFromConfig } from '../auth/directory/ldap-directory.js';
import { loadHandoffSecret } from '../auth/handoff-secret.js';
import { type OidcProviderConfig, OidcProviders } from '../auth/oidc/oidc-providers.js';
import { loadTotpSecrets, TOTP_KEY_FILE } from '../auth/totp.js';
import type { Config } from '../config/load-config.js';
import { RspamdClient } from '../daemons/rspamd-client.js';
import { SpamdClient } from '../daemons/spamd-client.js';
import { LINK_KEY_FILE } from '../digest/link-keys.js';
import { buildReinjection } from '../ingest/ingest-setup.js';
import { buildScanners } from '../ingest/verdict-pipeline.js';
import { SmtpRelay } from '../relay/smtp-relay.js';
import { openS3BlobStore, openStores, postgresConnectionOptions } from '../store/open-stores.js';
import { DATABASE_FILE } from '../store/sqlite/sqlite-database.js';

export type CheckStatus = 'ok' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
}

const GiB = 1024 ** 3;

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

async function check(name: string, run: () => Promise<string>): Promise<CheckResult> {
  try {
    return { name, status: 'ok', detail: await run() };
  } catch (error) {
    return { name, status: 'fail', detail: describe(error) };
  }
}

function formatBytes(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

/** Free space the data dir needs: room for twenty of the largest messages, and never under 1 GiB. */
export function requiredFreeBytes(config: Config): number {
  return Math.max(GiB, 20 * config.smtp.maxMessageSize);
}

async function checkDataDir(config: Config): Promise<string> {
  const dir = config.dataDir;
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT')
      throw new Error(`${dir} does not exist (create it, owned by the service user)`);
    throw error;
  });
  if (!info.isDirectory()) throw new Error(`${dir} is not a folder`);
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && info.uid !== uid)
    throw new Error(`${dir} belongs to uid ${info.uid}, not to this user (uid ${uid})`);
  if ((info.mode & 0o002) !== 0)
    throw new Error(`${dir} is writable by every user (mode ${(info.mode & 0o777).toString(8)})`);
  await access(dir, constants.R_OK | constants.W_OK | constants.X_OK).catch(() => {
    throw new Error(`${dir} is not readable and writable by this user`);
  });
  const space = await statfs(dir);
  const free = space.bavail * space.bsize;
  const needed = requiredFreeBytes(config);
  if (free < needed)
    throw new Error(`${dir}: only ${formatBytes(free)} free, needs at least ${formatBytes(needed)}`);
  return `${dir}: owned by uid ${info.uid}, ${formatBytes(free)} free`;
}

async function checkSqlite(config: Config): Promise<string> {
  const path = join(config.dataDir, DATABASE_FILE);
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists) return `sqlite: ${path} not created yet (serve creates it at its first start)`;
  // Read-only: the doctor never migrates or changes the store a server may be using.
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const result = db.pragma('quick_check', { simple: true });
    if (result !== 'ok') throw new Error(`sqlite: ${path} is damaged: ${String(result)}`);
    const hasItems = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'items'").get();
    const items = hasItems ? (db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n : 0;
    return `sqlite: ${path} passes quick_check, ${items} item(s)`;
  } finally {
    db.close();
  }
}

/**
 * The PostgreSQL store, read only: the doctor never migrates a database that nodes of another version
 * may be using; it says how far the schema is from this version's.
 */
async function checkPostgres(config: Config): Promise<string> {
  const { openPostgresPool } = await import('../store/postgres/postgres-connection.js');
  const { POSTGRES_MIGRATION_SETS } = await import('../store/postgres/open-postgres-stores.js');
  const { postgresSchemaState } = await import('../store/postgres/postgres-migrations.js');
  const pool = openPostgresPool(postgresConnectionOptions(config));
  try {
    const state = await postgresSchemaState(pool, POSTGRES_MIGRATION_SETS);
    if (state.newer.length > 0)
      throw new Error(
        `postgres: the schema was written by a newer Lazaret (${state.newer.join(', ')} steps); start that version or restore a backup`,
      );
    if (state.empty)
      return 'postgres: database answers, schema not created yet (`lazaret postgres migrate` or the first `serve` creates it)';
    if (state.pending.length > 0)
      throw new Error(
        `postgres: migrations pending (${state.pending.join(', ')} steps applied); run \`lazaret postgres migrate\` (a starting \`serve\` also applies them)`,
      );
    return `postgres: database answers, schema up to date (${state.applied} steps)`;
  } finally {
    await pool.end();
  }
}

async function checkBlobBucket(config: Config): Promise<string> {
  const blobs = await openS3BlobStore(config);
  await blobs.close();
  return `s3: bucket ${config.s3.bucket} answers`;
}

async function checkAwsStores(config: Config): Promise<string> {
  if (config.store.backend === 'postgres') {
    const parts = [await checkPostgres(config)];
    if (config.blobs.backend === 's3') parts.push(await checkBlobBucket(config));
    return parts.join('; ');
  }
  const stores = await openStores(config);
  try {
    await stores.items.ping();
    const parts: string[] = [];
    if (config.store.backend === 'dynamodb') parts.push(`dynamodb: table ${config.dynamodb.table} answers`);
    else parts.push(await checkSqlite(config));
    if (config.blobs.backend === 's3') parts.push(`s3: bucket ${config.s3.bucket} answers`);
    return parts.join('; ');
  } finally {
    await stores.close();
  }
}

async function checkSmtpPeer(
  describeTarget: string,
  relay: SmtpRelay,
  tls: Config['relay']['tls'],
): Promise<string> {
  try {
    await relay.verify();
  } finally {
    relay.close();
  }
  const how = {
    none: 'plain',
    starttls: 'STARTTLS required',
    opportunistic: 'STARTTLS if offered',
    implicit: 'implicit TLS',
  }[tls];
  return `${describeTarget}: greeting and EHLO answered (${how})`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

async function checkPublicUrl(config: Config, timeoutMs: number): Promise<string> {
  const url = config.http.publicUrl;
  if (url === undefined) {
    if (config.digest.enabled && isLoopback(config.http.host))
      throw new Error(
        `not set, and digests are enabled: their links would point at http://${config.http.host}:${config.http.port}, which only this machine can open`,
      );
    return `not set: links use http://${config.http.host}:${config.http.port}`;
  }
  const health = new URL('healthz', url.endsWith('/') ? url : `${url}/`);
  const response = await fetch(health, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  if (response.status !== 200) throw new Error(`${health.href} answered HTTP ${response.status}`);
  return `${url}: ${health.pathname} answers 200`;
}

/**
 * A key Lazaret generates into the data dir at first use: not there yet is fine (with what several
 * nodes need instead); there, it must be readable by this user and by nobody else.
 */
async function checkGeneratedKey(path: string, severalNodes: string): Promise<string> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info) return `${path} not created yet (generated at first use; ${severalNodes})`;
  if ((info.mode & 0o077) !== 0)
    throw new Error(`${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600`);
  await access(path, constants.R_OK).catch(() => {
    throw new Error(`${path} is not readable by this user`);
  });
  return `${path}: one generated key, mode 600`;
}

async function checkLinkKeys(config: Config): Promise<string> {
  if (config.links.keys !== undefined) {
    const keys = config.links.keys.split(',').filter((key) => key.trim() !== '');
    return `${keys.length} key(s) from links.keys`;
  }
  return checkGeneratedKey(join(config.dataDir, LINK_KEY_FILE), 'several nodes need links.keys');
}

/** The key that seals TOTP secrets: auth.totpKeyFile's, read as the server reads it, or the generated one. */
async function checkTotpKey(config: Config): Promise<string> {
  if (config.auth.totpKeyFile === undefined) {
    const shared = config.store.backend !== 'sqlite';
    return checkGeneratedKey(
      join(config.dataDir, TOTP_KEY_FILE),
      shared ? 'nodes sharing this store need one auth.totpKeyFile' : 'kept by lazaret backup',
    );
  }
  loadTotpSecrets(config);
  return `key from ${config.auth.totpKeyFile}`;
}

/** The rspamd hand-off's shared secret, loaded as the server loads it. */
async function checkHandoffSecret(config: Config): Promise<string> {
  const secret = loadHandoffSecret(config);
  const source = config.handoff.rspamd.secretFile ?? 'handoff.rspamd.secret';
  return `POST /api/ingest/rspamd on; secret of ${secret?.length ?? 0} characters from ${source}`;
}

/** An OpenID provider: its client secret readable, its issuer's discovery document and keys reachable. */
async function checkOidcProvider(provider: OidcProviderConfig): Promise<string> {
  const providers = new OidcProviders([provider]);
  const configuration = await providers.configuration(provider);
  return `${provider.issuer}: discovered, issuer ${configuration.serverMetadata().issuer}`;
}

/**
 * Every check `lazaret doctor` runs, in order: data dir, store, relay, re-injection (filter mode),
 * each configured scanner and the learning daemon, the directory (auth.ldap), each OpenID provider,
 * the TOTP key, the rspamd hand-off's secret (when on), public address and link keys. Checks never
 * change anything; each reports ok with what it saw or fail with why.
 */
export async function runDoctor(config: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const timeoutMs = config.scanners.timeoutMs;
  results.push(await check('dataDir', () => checkDataDir(config)));
  results.push(
    await check('store', () =>
      config.store.backend === 'sqlite' && config.blobs.backend === 'fs'
        ? checkSqlite(config)
        : checkAwsStores(config),
    ),
  );
  results.push(
    await check('relay', () =>
      checkSmtpPeer(
        `${config.relay.host}:${config.relay.port}`,
        new SmtpRelay(config.relay),
        config.relay.tls,
      ),
    ),
  );
  if (config.mode === 'filter') {
    results.push(
      await check('reinjection', () =>
        checkSmtpPeer(
          `${config.filter.reinjectHost}:${config.filter.reinjectPort}`,
          buildReinjection(config),
          'none',
        ),
      ),
    );
  }
  for (const scanner of buildScanners(config.scanners)) {
    results.push(
      await check(`scanner ${scanner.name}`, async () =>
        scanner.ping ? `answers: ${await scanner.ping(AbortSignal.timeout(timeoutMs))}` : 'built in',
      ),
    );
  }
  if (config.learning.backend !== 'none') {
    const learningDaemon =
      config.learning.backend === 'rspamd'
        ? (signal: AbortSignal) => new RspamdClient(config.scanners.rspamd).ping(signal, 'controller')
        : (signal: AbortSignal) => new SpamdClient(config.scanners.spamassassin).ping(signal);
    results.push(
      await check(
        `learning ${config.learning.backend}`,
        async () => `answers: ${await learningDaemon(AbortSignal.timeout(timeoutMs))}`,
      ),
    );
  }
  const directory = config.auth.ldap.url ? config.auth.ldap : undefined;
  if (directory) {
    results.push(
      await check('auth.ldap', async () => {
        const ldap = directoryFromConfig(directory)!;
        await ldap.probe();
        return `${ldap.provider}: ${directory.bindDn ? `bound as ${directory.bindDn}` : 'connected anonymously'}${directory.startTls ? ' after StartTLS' : ''}`;
      }),
    );
  }
  for (const provider of config.auth.oidc.providers) {
    results.push(await check(`auth.oidc ${provider.id}`, () => checkOidcProvider(provider)));
  }
  results.push(await check('auth.totpKey', () => checkTotpKey(config)));
  if (config.handoff.rspamd.secret !== undefined || config.handoff.rspamd.secretFile !== undefined) {
    results.push(await check('handoff.rspamd', () => checkHandoffSecret(config)));
  }
  results.push(await check('http.publicUrl', () => checkPublicUrl(config, timeoutMs)));
  results.push(await check('links', () => checkLinkKeys(config)));
  return results;
}
