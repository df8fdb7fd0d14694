import { readFileSync } from 'node:fs';
import pg from 'pg';
import { LazaretError } from '../../core/errors.js';

/** How TLS to the server is used: libpq's sslmode names, for operators who know them. */
export type PostgresTlsMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

export interface PostgresConnectionOptions {
  /** `postgres://user@host:port/database`; a password in it is used unless one is given below. */
  url: string;
  /** The password, e.g. from an environment variable; wins over the URL's. */
  password?: string | undefined;
  /** A file whose content (trailing newline removed) is the password, e.g. a mounted secret; wins over `password`. */
  passwordFile?: string | undefined;
  tls?:
    | {
        mode: PostgresTlsMode;
        /** PEM file of the CA(s) that signed the server's certificate (verify-ca, verify-full). */
        caFile?: string | undefined;
        /** Client certificate and key (PEM files), for servers that authenticate clients by certificate. */
        certFile?: string | undefined;
        keyFile?: string | undefined;
      }
    | undefined;
  /** Connections this process keeps at most (default 10). */
  poolSize?: number | undefined;
  /** How long to wait for a connection, from the server or the pool, before failing (default 10 s). */
  connectTimeoutMs?: number | undefined;
  /** Per-statement limit set on each connection (default 30 s); 0 turns it off. */
  statementTimeoutMs?: number | undefined;
}

function readSecret(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new LazaretError(
      'config_invalid',
      `Cannot read the PostgreSQL ${what} file ${path}: ${(error as Error).message}`,
    );
  }
}

function tlsConfig(tls: PostgresConnectionOptions['tls']): pg.PoolConfig['ssl'] {
  if (tls === undefined || tls.mode === 'disable') return false;
  const files = {
    ...(tls.caFile ? { ca: readSecret(tls.caFile, 'CA') } : {}),
    ...(tls.certFile ? { cert: readSecret(tls.certFile, 'client certificate') } : {}),
    ...(tls.keyFile ? { key: readSecret(tls.keyFile, 'client key') } : {}),
  };
  switch (tls.mode) {
    case 'require':
      return { ...files, rejectUnauthorized: false };
    case 'verify-ca':
      // The chain is checked, the host name is not (libpq's verify-ca).
      return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...files, rejectUnauthorized: true };
  }
}

/** The pool settings for `options`; throws `config_invalid` for a URL or a file that cannot be used. */
export function postgresPoolConfig(options: PostgresConnectionOptions): pg.PoolConfig {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new LazaretError(
      'config_invalid',
      'The PostgreSQL URL is not a URL (postgres://user@host:port/db)',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new LazaretError(
      'config_invalid',
      `The PostgreSQL URL must start with postgres://, not ${url.protocol}//`,
    );
  }
  for (const key of url.searchParams.keys()) {
    if (key !== 'host') {
      throw new LazaretError(
        'config_invalid',
        `The PostgreSQL URL may not set "${key}": TLS, password and pool have their own settings`,
      );
    }
  }
  const password =
    options.passwordFile !== undefined
      ? readSecret(options.passwordFile, 'password').replace(/\r?\n$/, '')
      : (options.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password)));
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new LazaretError(
      'config_invalid',
      `The PostgreSQL pool size must be a whole number ≥ 1, not ${poolSize}`,
    );
  }
  const statementTimeout = options.statementTimeoutMs ?? 30_000;
  // The URL is taken apart here rather than handed to the driver, whose parse of it would override
  // the password and TLS settings given separately. `?host=/run/postgresql` names a unix socket folder.
  return {
    host: url.searchParams.get('host') ?? decodeURIComponent(url.hostname.replace(/^\[|\]$/g, '')),
    port: url.port === '' ? 5432 : Number(url.port),
    ...(url.username === '' ? {} : { user: decodeURIComponent(url.username) }),
    ...(password !== undefined ? { password } : {}),
    ...(url.pathname.length > 1 ? { database: decodeURIComponent(url.pathname.slice(1)) } : {}),
    ssl: tlsConfig(options.tls),
    max: poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    ...(statementTimeout > 0 ? { statement_timeout: statementTimeout } : {}),
    application_name: 'lazaret',
  };
}

/** A connection pool for `options`; idle connections do not keep the process alive. */
export function openPostgresPool(options: PostgresConnectionOptions): pg.Pool {
  const pool = new pg.Pool({ ...postgresPoolConfig(options), allowExitOnIdle: true });
  // An idle connection that the server drops emits on the pool; the next query gets a fresh one.
  pool.on('error', () => undefined);
  return pool;
}
