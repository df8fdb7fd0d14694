import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Value } from 'typebox/value';
import { canonical } from '../core/address.js';
import { LazaretError } from '../core/errors.js';
import { CONFIG_KEYS, type ConfigKey, configKey } from './config-keys.js';
import { type Config, ConfigSchema } from './config-schema.js';

export type { Config, LogLevel, RetentionConfig, ScannerName, ScannersConfig } from './config-schema.js';

export interface LoadConfigOptions {
  /** Path of a JSON config file; `LAZARET_CONFIG` names one when this is absent. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Told once for each deprecated spelling that is set, with the key that replaces it. */
  warn?: (message: string) => void;
}

/** How a key is written: its own path and variable, or those of its deprecated alias. */
type Spelling = Pick<ConfigKey, 'path' | 'env'>;

/** A value as given, with the spelling and source (default, file, environment) it came from. */
interface Setting {
  value: unknown;
  spelling: Spelling;
  source: string;
}

function invalid(spelling: Spelling, source: string, problem: string): LazaretError {
  return new LazaretError(
    'config_invalid',
    `Invalid configuration ${spelling.path} (${source}): ${problem}`,
    {
      key: spelling.path,
      env: spelling.env,
    },
  );
}

/** Environment values are text: reads numbers, true/false words and comma lists by the key's type. */
function fromText(key: ConfigKey, value: unknown, fromEnv: boolean): unknown {
  const type = key.type;
  if (type.kind === 'list') {
    const items = typeof value === 'string' ? value.split(',') : value;
    if (!Array.isArray(items) || !items.every((entry) => typeof entry === 'string')) return value;
    return items.map((entry) => entry.trim()).filter((entry) => entry !== '');
  }
  if (!fromEnv || typeof value !== 'string') return value;
  if (type.kind === 'objects') {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (type.kind === 'int') return /^\d+$/.test(value) ? Number(value) : value;
  if (type.kind === 'bool') {
    if (['1', 'true', 'yes', 'on'].includes(value.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false;
  }
  return value;
}

/** Why `value` does not fit the key's schema, in words that name what is expected; undefined when it fits. */
function problemWith(key: ConfigKey, value: unknown): string | undefined {
  const [error] = Value.Errors(key.schema, value);
  if (!error) return undefined;
  const type = key.type;
  const got = JSON.stringify(value);
  switch (type.kind) {
    case 'string':
      return error.keyword === 'pattern' ? 'must not be empty' : 'expected a string';
    case 'bool':
      return `expected true or false, got ${got}`;
    case 'int':
      return error.keyword === 'minimum' || error.keyword === 'maximum'
        ? `must be between ${type.min} and ${type.max}, got ${value}`
        : `expected a whole number, got ${got}`;
    case 'enum':
      return `expected one of ${type.values.join(', ')}, got ${got}`;
    case 'list': {
      const unknown =
        type.values && Array.isArray(value)
          ? value.filter((entry) => typeof entry === 'string' && !type.values!.includes(entry))
          : [];
      if (unknown.length > 0)
        return `unknown ${unknown.join(', ')}; expected some of ${type.values!.join(', ')}`;
      return 'expected a list of strings (comma-separated in the environment)';
    }
    case 'objects':
      return Array.isArray(value)
        ? `entry ${error.instancePath}: ${error.message}`
        : 'expected a JSON list of objects';
  }
}

/** The setting's value read and checked against the key's schema; a misfit is a config_invalid error. */
function checkedValue(key: ConfigKey, setting: Setting): unknown {
  const value = fromText(key, setting.value, setting.source.startsWith('env'));
  const problem = problemWith(key, value);
  if (problem !== undefined) throw invalid(setting.spelling, setting.source, problem);
  return value;
}

function readFileConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LazaretError('config_invalid', `Cannot read config file ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new LazaretError(
      'config_invalid',
      `Config file ${path} is not a JSON object: ${(error as Error).message}`,
    );
  }
}

function flatten(object: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const flat = new Map<string, unknown>();
  for (const [name, value] of Object.entries(object)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of flatten(value as Record<string, unknown>, path))
        flat.set(inner, innerValue);
    } else {
      flat.set(path, value);
    }
  }
  return flat;
}

/** The config file the commands read when neither --config nor LAZARET_CONFIG names one, if it exists. */
export const DEFAULT_CONFIG_FILE = '/etc/lazaret/lazaret.json';

/** The config file a command uses: --config, else LAZARET_CONFIG, else DEFAULT_CONFIG_FILE when present. */
export function resolveConfigFile(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  if (file !== undefined) return file;
  if (env.LAZARET_CONFIG) return env.LAZARET_CONFIG;
  return exists(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined;
}

/** A dotted path's parent objects in `target`, created where missing. */
function sectionOf(target: Record<string, unknown>, path: string): Record<string, unknown> {
  let node = target;
  for (const part of path.split('.').slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  return node;
}

/**
 * Defaults, then the config file, then `LAZARET_*` variables; every value is checked against the
 * config schema and the first bad one stops start-up with a `config_invalid` error naming the key.
 * A deprecated alias is read where its key is not set (`warn` is told); both set to different
 * values is an error.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const filePath = options.file ?? env.LAZARET_CONFIG;
  const fileValues = filePath ? flatten(readFileConfig(filePath)) : new Map<string, unknown>();
  const known = new Set(CONFIG_KEYS.flatMap((key) => (key.alias ? [key.path, key.alias.path] : [key.path])));
  for (const path of fileValues.keys()) {
    if (!known.has(path)) {
      throw new LazaretError('config_invalid', `Unknown configuration key ${path} in ${filePath}`, {
        key: path,
      });
    }
  }
  const given = (spelling: Spelling): Setting | undefined => {
    const fromEnv = env[spelling.env];
    if (fromEnv !== undefined && fromEnv !== '')
      return { value: fromEnv, spelling, source: `env ${spelling.env}` };
    if (fileValues.has(spelling.path))
      return { value: fileValues.get(spelling.path), spelling, source: `file ${filePath}` };
    return undefined;
  };
  const config: Record<string, unknown> = {};
  const origins = new Map<string, Setting>();
  for (const key of CONFIG_KEYS) {
    const section = sectionOf(config, key.path);
    const setting = settingOf(key, given, options.warn);
    if (setting === undefined) continue;
    section[key.path.split('.').at(-1)!] = checkedValue(key, setting);
    origins.set(key.path, setting);
  }
  config.nodeName ??= `${hostname()}:${process.pid}`;
  if (!Value.Check(ConfigSchema, config)) {
    const [error] = Value.Errors(ConfigSchema, config);
    throw new Error(`configuration does not fit its schema at ${error?.instancePath}: ${error?.message}`);
  }
  config.dataDir = resolve(config.dataDir);
  const fail = (path: string, problem: string) => {
    const origin = origins.get(path);
    return invalid(origin?.spelling ?? configKey(path), origin?.source ?? 'default', problem);
  };
  const oidcIds = config.auth.oidc.providers.map((provider) => provider.id);
  const repeated = oidcIds.find((id, index) => oidcIds.indexOf(id) !== index);
  if (repeated !== undefined) {
    throw fail('auth.oidc.providers', `provider id ${JSON.stringify(repeated)} is given twice`);
  }
  if (config.blobs.backend === 's3' && config.s3.bucket === undefined) {
    const bucket = configKey('s3.bucket');
    throw invalid(bucket, bucket.env, 'required when blobs.backend is s3');
  }
  if (config.store.backend === 'postgres') checkPostgres(config, fail);
  if ((config.http.tlsCert === undefined) !== (config.http.tlsKey === undefined)) {
    const missing = configKey(config.http.tlsCert ? 'http.tlsKey' : 'http.tlsCert');
    throw invalid(missing, 'missing', 'http.tlsCert and http.tlsKey must be given together');
  }
  checkValues(config, fail);
  // Back-off between delivery attempts happens under the item's lease; if the lease could end first,
  // the sweeper would mark a release still in progress as interrupted.
  const backoffMs = config.release.retryBaseMs * (2 ** (config.release.attempts - 1) - 1);
  if (backoffMs * 2 > config.release.leaseMs) {
    throw new LazaretError(
      'config_invalid',
      `Invalid configuration release.attempts / release.retryBaseMs: their back-off (${backoffMs} ms in all) must stay under half of release.leaseMs (${config.release.leaseMs} ms)`,
      { key: 'release.attempts', env: 'LAZARET_RELEASE_ATTEMPTS' },
    );
  }
  return config;
}

/**
 * The setting a key takes: its own spelling when set, else its deprecated alias's, else its default.
 * Both spellings set must agree.
 */
function settingOf(
  key: ConfigKey,
  given: (spelling: Spelling) => Setting | undefined,
  warn: ((message: string) => void) | undefined,
): Setting | undefined {
  const own = given(key);
  const old = key.alias && given(key.alias);
  if (old) {
    warn?.(`${old.spelling.path} (${old.source}) is deprecated: use ${key.path} (${key.env}) instead`);
    const [ownValue, oldValue] = own ? [checkedValue(key, own), checkedValue(key, old)] : [];
    if (own && !isDeepStrictEqual(ownValue, oldValue)) {
      const values = key.secret
        ? 'they differ'
        : `${JSON.stringify(ownValue)} and ${JSON.stringify(oldValue)}`;
      throw invalid(
        key,
        own.source,
        `its deprecated alias ${old.spelling.path} (${old.source}) is set too, to another value (${values}); remove ${old.spelling.path}`,
      );
    }
  }
  if (own ?? old) return own ?? old;
  return key.default === undefined ? undefined : { value: key.default, spelling: key, source: 'default' };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Whether this runtime knows the IANA time zone `name`. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The PostgreSQL store needs a URL, without a password in it (which would be printed with the URL). */
function checkPostgres(config: Config, fail: (path: string, problem: string) => LazaretError): void {
  const { url, tls, tlsCertFile, tlsKeyFile } = config.postgres;
  if (url === undefined) {
    const key = configKey('postgres.url');
    throw invalid(key, key.env, 'required when store.backend is postgres');
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')) {
    throw fail('postgres.url', 'expected postgres://user@host:port/database');
  }
  if (parsed.password !== '') {
    throw fail('postgres.url', 'holds a password: put it in postgres.passwordFile or postgres.password');
  }
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    throw fail(
      tlsCertFile === undefined ? 'postgres.tlsCertFile' : 'postgres.tlsKeyFile',
      'postgres.tlsCertFile and postgres.tlsKeyFile must be given together',
    );
  }
  if (tls === 'disable' && (config.postgres.tlsCaFile ?? tlsCertFile) !== undefined) {
    throw fail('postgres.tls', 'is disable, yet TLS files are given: set require, verify-ca or verify-full');
  }
}

/** Checks that go beyond a value's type: URLs, time zones, key lengths. */
function checkValues(config: Config, fail: (path: string, problem: string) => LazaretError): void {
  if (config.http.publicUrl !== undefined && !isHttpUrl(config.http.publicUrl)) {
    throw fail(
      'http.publicUrl',
      `expected an http:// or https:// address, got ${JSON.stringify(config.http.publicUrl)}`,
    );
  }
  if (config.links.keys !== undefined) {
    const keys = config.links.keys.split(',').map((each) => each.trim());
    if (keys.some((each) => each.length < 32)) {
      throw fail('links.keys', 'every key must have at least 32 characters (and no key may be empty)');
    }
  }
  const handoffSecret = config.handoff.rspamd.secret;
  if (handoffSecret !== undefined && handoffSecret.trim().length < 16) {
    throw fail('handoff.rspamd.secret', 'must have at least 16 characters');
  }
  if (!isTimeZone(config.digest.timeZone)) {
    throw fail('digest.timeZone', `unknown time zone ${JSON.stringify(config.digest.timeZone)}`);
  }
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(config.digest.from)) {
    throw fail(
      'digest.from',
      `expected a plain address such as lazaret@example.com, got ${JSON.stringify(config.digest.from)}`,
    );
  }
  checkSignIn(config, fail);
  const rspamd = config.scanners.rspamd;
  for (const [path, url] of [
    ['scanners.rspamd.url', rspamd.url],
    ['scanners.rspamd.controllerUrl', rspamd.controllerUrl],
  ] as const) {
    if (!isHttpUrl(url))
      throw fail(path, `expected an http:// or https:// address, got ${JSON.stringify(url)}`);
  }
}

/**
 * `auth.breakGlassAdmins` holds emails (kept in canonical form), and `auth.requireSso` needs a way in
 * besides local passwords: an OpenID Connect provider or the directory.
 */
function checkSignIn(config: Config, fail: (path: string, problem: string) => LazaretError): void {
  config.auth.breakGlassAdmins = config.auth.breakGlassAdmins.map((entry) => {
    try {
      return canonical(entry.trim());
    } catch {
      throw fail('auth.breakGlassAdmins', `expected email addresses, got ${JSON.stringify(entry)}`);
    }
  });
  if (
    config.auth.requireSso &&
    config.auth.oidc.providers.length === 0 &&
    config.auth.ldap.url === undefined
  ) {
    throw fail(
      'auth.requireSso',
      'single sign-on is required but no way to sign in with it is configured: add an OpenID Connect provider (auth.oidc.providers) or a directory (auth.ldap.url)',
    );
  }
}
