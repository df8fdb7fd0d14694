import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { LazaretError } from '../core/errors.js';
import { CONFIG_KEYS, type ConfigKey } from './config-keys.js';

export interface Config {
  dataDir: string;
  nodeName: string;
  shutdownTimeoutMs: number;
  blobs: { backend: 'fs' | 's3'; inlineMaxBytes: number; sweepIntervalMs: number; sweepAfterMs: number };
  smtp: {
    host: string;
    port: number;
    hostname?: string;
    maxMessageSize: number;
    maxRecipients: number;
    maxClients: number;
    xforwardHosts: string[];
  };
  http: {
    host: string;
    port: number;
    tlsCert?: string;
    tlsKey?: string;
    trustProxy?: string;
    publicUrl?: string;
    requestTimeoutMs: number;
  };
  auth: {
    adminEmail: string;
    adminPassword?: string;
    sessionTtlMs: number;
    loginMaxFailuresPerAccount: number;
    loginMaxFailuresPerIp: number;
    loginWindowMs: number;
    tokenRequestsPerMinute: number;
  };
  access: {
    malwareRelease: 'admin' | 'domain_admin' | 'user';
    userRelease: 'release' | 'request';
  };
  relay: {
    host: string;
    port: number;
    tls: 'none' | 'starttls' | 'opportunistic' | 'implicit';
    tlsVerify: boolean;
    user?: string;
    password?: string;
    maxConnections: number;
    timeoutMs: number;
  };
  links: { keys?: string; ttlHours: number };
  digest: {
    enabled: boolean;
    frequency: 'never' | 'hourly' | 'daily' | 'weekly';
    hour: number;
    weekday: number;
    timeZone: string;
    from: string;
    maxItems: number;
    sendEmpty: boolean;
    tickSeconds: number;
    settleSeconds: number;
    leaseMs: number;
    retrySeconds: number;
  };
  learning: {
    backend: 'none' | 'rspamd' | 'spamassassin';
    rspamdUrl: string;
    rspamdPassword?: string;
    spamdHost: string;
    spamdPort: number;
    spamdUser?: string;
    timeoutMs: number;
    maxAttempts: number;
    retryBaseSeconds: number;
    pollSeconds: number;
  };
  release: { leaseMs: number; attempts: number; retryBaseMs: number; sweepIntervalMs: number };
  bulk: {
    syncLimit: number;
    maxIds: number;
    window: number;
    storeConcurrency: number;
    storeBatchSize: number;
    storeLingerMs: number;
    throttleTries: number;
    throttleBackoffMs: number;
  };
  jobs: { concurrency: number; leaseMs: number; pollMs: number; fullDiskPauseMs: number };
  store: { backend: 'sqlite' | 'dynamodb'; minFreeMb: number };
  aws: { region?: string };
  dynamodb: {
    table: string;
    endpoint?: string;
    maxAttempts: number;
    minSendRate: number;
    ttlGraceDays: number;
    sweepIntervalMs: number;
    sweepAfterMs: number;
  };
  s3: {
    bucket?: string;
    prefix?: string;
    endpoint?: string;
    forcePathStyle: boolean;
    checksums: 'when_supported' | 'when_required';
    partSize: number;
    uploadConcurrency: number;
    maxAttempts: number;
  };
  log: {
    level: LogLevel;
    format?: 'json' | 'pretty' | 'logfmt';
    httpLevel: LogLevel;
  };
  mode: 'capture' | 'filter';
  filter: {
    reinjectHost: string;
    reinjectPort: number;
    reinjectTimeoutMs: number;
    reinjectMaxConnections: number;
  };
  scanners: ScannersConfig;
  retention: RetentionConfig;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type ScannerName = 'headers' | 'policy' | 'rspamd' | 'spamassassin' | 'clamav';

export interface ScannersConfig {
  enabled: ScannerName[];
  onError: 'tempfail' | 'pass';
  timeoutMs: number;
  headers: { trustedHosts: string[]; rspamdHoldActions: string[] };
  policy: {
    blockedExtensions: string[];
    blockedMimeTypes: string[];
    inspectArchives: boolean;
    maxArchiveSize: number;
    maxSize: number;
    senderBlock: string[];
    senderAllow: string[];
  };
  rspamd: { url: string; password?: string; timeoutMs: number; holdActions: string[]; maxSize: number };
  spamassassin: { host: string; port: number; user?: string; timeoutMs: number; maxSize: number };
  clamav: {
    host: string;
    port: number;
    socket?: string;
    timeoutMs: number;
    maxSize: number;
    chunkSize: number;
  };
}

export interface RetentionConfig {
  spamDays: number;
  malwareDays: number;
  phishDays: number;
  policyDays: number;
  bulkDays: number;
  manualDays: number;
  purgeIntervalSeconds: number;
  batchSize: number;
}

export interface LoadConfigOptions {
  /** Path of a JSON config file; `LAZARET_CONFIG` names one when this is absent. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

type Raw = { value: unknown; source: string };

function invalid(key: ConfigKey, source: string, problem: string): LazaretError {
  return new LazaretError('config_invalid', `Invalid configuration ${key.path} (${source}): ${problem}`, {
    key: key.path,
    env: key.env,
  });
}

function coerce(key: ConfigKey, raw: Raw): string | number | boolean | string[] {
  const { value, source } = raw;
  const fromEnv = source.startsWith('env');
  const type = key.type;
  switch (type.kind) {
    case 'string': {
      if (typeof value !== 'string') throw invalid(key, source, 'expected a string');
      if (type.nonEmpty && value.trim() === '') throw invalid(key, source, 'must not be empty');
      return value;
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (fromEnv && typeof value === 'string') {
        if (['1', 'true', 'yes', 'on'].includes(value.toLowerCase())) return true;
        if (['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false;
      }
      throw invalid(key, source, `expected true or false, got ${JSON.stringify(value)}`);
    }
    case 'list': {
      const items =
        typeof value === 'string'
          ? value.split(',')
          : Array.isArray(value) && value.every((entry) => typeof entry === 'string')
            ? (value as string[])
            : undefined;
      if (!items)
        throw invalid(key, source, 'expected a list of strings (comma-separated in the environment)');
      const list = items.map((entry) => entry.trim()).filter((entry) => entry !== '');
      const unknown = type.values ? list.filter((entry) => !type.values!.includes(entry)) : [];
      if (unknown.length > 0)
        throw invalid(
          key,
          source,
          `unknown ${unknown.join(', ')}; expected some of ${type.values!.join(', ')}`,
        );
      return list;
    }
    case 'enum': {
      if (typeof value === 'string' && type.values.includes(value)) return value;
      throw invalid(key, source, `expected one of ${type.values.join(', ')}, got ${JSON.stringify(value)}`);
    }
    case 'int':
    case 'port': {
      const number =
        typeof value === 'number'
          ? value
          : fromEnv && typeof value === 'string' && /^\d+$/.test(value)
            ? Number(value)
            : Number.NaN;
      const [min, max] = type.kind === 'port' ? [0, 65_535] : [type.min, type.max];
      if (!Number.isInteger(number))
        throw invalid(key, source, `expected a whole number, got ${JSON.stringify(value)}`);
      if (number < min || number > max)
        throw invalid(key, source, `must be between ${min} and ${max}, got ${number}`);
      return number;
    }
  }
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

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
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

/**
 * Defaults, then the config file, then `LAZARET_*` variables; every value is validated and the first
 * bad one stops start-up with a `config_invalid` error naming the key.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const filePath = options.file ?? env.LAZARET_CONFIG;
  const fileValues = filePath ? flatten(readFileConfig(filePath)) : new Map<string, unknown>();
  const known = new Set<string>(CONFIG_KEYS.map((key) => key.path));
  for (const path of fileValues.keys()) {
    if (!known.has(path)) {
      throw new LazaretError('config_invalid', `Unknown configuration key ${path} in ${filePath}`, {
        key: path,
      });
    }
  }
  const config: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const key of CONFIG_KEYS as readonly ConfigKey[]) {
    let raw: Raw | undefined;
    if (key.default !== undefined) raw = { value: key.default, source: 'default' };
    if (fileValues.has(key.path)) raw = { value: fileValues.get(key.path), source: `file ${filePath}` };
    const fromEnv = env[key.env];
    if (fromEnv !== undefined && fromEnv !== '') raw = { value: fromEnv, source: `env ${key.env}` };
    if (raw !== undefined) {
      setPath(config, key.path, coerce(key, raw));
      sources.set(key.path, raw.source);
    }
  }
  const result = config as unknown as Config;
  result.dataDir = resolve(result.dataDir);
  result.nodeName ??= `${hostname()}:${process.pid}`;
  result.aws ??= {};
  if (result.blobs.backend === 's3' && result.s3.bucket === undefined) {
    throw new LazaretError(
      'config_invalid',
      'Invalid configuration s3.bucket (LAZARET_S3_BUCKET): required when blobs.backend is s3',
      { key: 's3.bucket', env: 'LAZARET_S3_BUCKET' },
    );
  }
  if ((result.http.tlsCert === undefined) !== (result.http.tlsKey === undefined)) {
    const key = CONFIG_KEYS.find(
      (each) => each.path === (result.http.tlsCert ? 'http.tlsKey' : 'http.tlsCert'),
    )!;
    throw invalid(key, 'missing', 'http.tlsCert and http.tlsKey must be given together');
  }
  checkValues(result, (path) => sources.get(path) ?? 'default');
  // Back-off between delivery attempts happens under the item's lease; if the lease could end first,
  // the sweeper would mark a release still in progress as interrupted.
  const backoffMs = result.release.retryBaseMs * (2 ** (result.release.attempts - 1) - 1);
  if (backoffMs * 2 > result.release.leaseMs) {
    throw new LazaretError(
      'config_invalid',
      `Invalid configuration release.attempts / release.retryBaseMs: their back-off (${backoffMs} ms in all) must stay under half of release.leaseMs (${result.release.leaseMs} ms)`,
      { key: 'release.attempts', env: 'LAZARET_RELEASE_ATTEMPTS' },
    );
  }
  return result;
}

function keyAt(path: string): ConfigKey {
  return (CONFIG_KEYS as readonly ConfigKey[]).find((each) => each.path === path)!;
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

/** Checks that go beyond a value's type: URLs, time zones, key lengths. */
function checkValues(config: Config, sourceOf: (path: string) => string): void {
  const fail = (path: string, problem: string) => invalid(keyAt(path), sourceOf(path), problem);
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
  if (!isTimeZone(config.digest.timeZone)) {
    throw fail('digest.timeZone', `unknown time zone ${JSON.stringify(config.digest.timeZone)}`);
  }
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(config.digest.from)) {
    throw fail(
      'digest.from',
      `expected a plain address such as lazaret@example.com, got ${JSON.stringify(config.digest.from)}`,
    );
  }
  if (!isHttpUrl(config.learning.rspamdUrl)) {
    throw fail(
      'learning.rspamdUrl',
      `expected an http:// or https:// address, got ${JSON.stringify(config.learning.rspamdUrl)}`,
    );
  }
}
