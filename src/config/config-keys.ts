/**
 * Every configuration key, in one table: its place in the config file, its environment variable,
 * type, default and meaning. The loader, the validation messages and docs/configuration.md all come
 * from here (a test checks that the docs list every key).
 */
export type KeyType =
  | { kind: 'string'; nonEmpty?: boolean }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'port' }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] };

export interface ConfigKey {
  /** Dotted path in the config file and in the Config object. */
  path: string;
  env: string;
  type: KeyType;
  default: string | number | boolean | undefined;
  description: string;
}

const MB = 1024 * 1024;

export const CONFIG_KEYS = [
  {
    path: 'dataDir',
    env: 'LAZARET_DATA_DIR',
    type: { kind: 'string', nonEmpty: true },
    default: './data',
    description: 'Folder of the embedded store: the SQLite database and the raw messages.',
  },
  {
    path: 'nodeName',
    env: 'LAZARET_NODE_NAME',
    type: { kind: 'string' },
    default: undefined,
    description: 'Name of this process in leases and logs; defaults to hostname:pid.',
  },
  {
    path: 'blobs.inlineMaxBytes',
    env: 'LAZARET_BLOBS_INLINE_MAX_BYTES',
    type: { kind: 'int', min: 0, max: 16 * MB },
    default: 256 * 1024,
    description:
      'Embedded store: messages up to this size are kept inside the SQLite database (one fsync for many concurrent deliveries); larger ones are files under dataDir/blobs.',
  },
  {
    path: 'smtp.host',
    env: 'LAZARET_SMTP_HOST',
    type: { kind: 'string', nonEmpty: true },
    default: '127.0.0.1',
    description: 'Address the SMTP listener binds to.',
  },
  {
    path: 'smtp.port',
    env: 'LAZARET_SMTP_PORT',
    type: { kind: 'port' },
    default: 2525,
    description: 'Port of the SMTP listener (0 picks a free port).',
  },
  {
    path: 'smtp.hostname',
    env: 'LAZARET_SMTP_HOSTNAME',
    type: { kind: 'string' },
    default: undefined,
    description: 'Name announced in the SMTP greeting; defaults to the machine name.',
  },
  {
    path: 'smtp.maxMessageSize',
    env: 'LAZARET_SMTP_MAX_MESSAGE_SIZE',
    type: { kind: 'int', min: 1024, max: 1024 * MB },
    default: 50 * MB,
    description: 'Largest message accepted, in bytes; announced with the SIZE extension.',
  },
  {
    path: 'smtp.maxRecipients',
    env: 'LAZARET_SMTP_MAX_RECIPIENTS',
    type: { kind: 'int', min: 1, max: 10_000 },
    default: 1000,
    description: 'Most recipients accepted in one transaction; more get 452 4.5.3.',
  },
  {
    path: 'smtp.maxClients',
    env: 'LAZARET_SMTP_MAX_CLIENTS',
    type: { kind: 'int', min: 1, max: 100_000 },
    default: 500,
    description: 'Most simultaneous SMTP connections.',
  },
  {
    path: 'http.host',
    env: 'LAZARET_HTTP_HOST',
    type: { kind: 'string', nonEmpty: true },
    default: '127.0.0.1',
    description: 'Address the HTTP API binds to.',
  },
  {
    path: 'http.port',
    env: 'LAZARET_HTTP_PORT',
    type: { kind: 'port' },
    default: 8025,
    description: 'Port of the HTTP API (0 picks a free port).',
  },
  {
    path: 'http.tlsCert',
    env: 'LAZARET_TLS_CERT',
    type: { kind: 'string' },
    default: undefined,
    description:
      'PEM certificate file (with its chain). With http.tlsKey the API speaks HTTPS itself; otherwise put a TLS reverse proxy in front.',
  },
  {
    path: 'http.tlsKey',
    env: 'LAZARET_TLS_KEY',
    type: { kind: 'string' },
    default: undefined,
    description: 'PEM private key file for http.tlsCert.',
  },
  {
    path: 'http.trustProxy',
    env: 'LAZARET_HTTP_TRUST_PROXY',
    type: { kind: 'string' },
    default: undefined,
    description:
      'Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: comma-separated addresses or CIDRs, or `true` for any. Unset: none (the peer address is the client).',
  },
  {
    path: 'auth.adminEmail',
    env: 'LAZARET_ADMIN_EMAIL',
    type: { kind: 'string', nonEmpty: true },
    default: 'admin@localhost',
    description: 'Email of the administrator created on the first start, when the store has no users yet.',
  },
  {
    path: 'auth.adminPassword',
    env: 'LAZARET_ADMIN_PASSWORD',
    type: { kind: 'string' },
    default: undefined,
    description:
      'Password of that first administrator. Unset: one is generated and printed once on standard error.',
  },
  {
    path: 'auth.sessionTtlMs',
    env: 'LAZARET_SESSION_TTL_MS',
    type: { kind: 'int', min: 60_000, max: 30 * 24 * 3_600_000 },
    default: 12 * 3_600_000,
    description:
      'How long a sign-in session lasts; after that the cookie is refused and the user signs in again.',
  },
  {
    path: 'auth.loginMaxFailuresPerAccount',
    env: 'LAZARET_LOGIN_MAX_FAILURES_PER_ACCOUNT',
    type: { kind: 'int', min: 1, max: 10_000 },
    default: 10,
    description:
      'Failed sign-ins for one email within auth.loginWindowMs before that account is refused with 429 (even with the right password) until the window passes.',
  },
  {
    path: 'auth.loginMaxFailuresPerIp',
    env: 'LAZARET_LOGIN_MAX_FAILURES_PER_IP',
    type: { kind: 'int', min: 1, max: 1_000_000 },
    default: 100,
    description: 'Failed sign-ins from one client address within auth.loginWindowMs before it gets 429.',
  },
  {
    path: 'auth.loginWindowMs',
    env: 'LAZARET_LOGIN_WINDOW_MS',
    type: { kind: 'int', min: 1000, max: 24 * 3_600_000 },
    default: 900_000,
    description: 'Window of the sign-in failure limits.',
  },
  {
    path: 'auth.tokenRequestsPerMinute',
    env: 'LAZARET_TOKEN_REQUESTS_PER_MINUTE',
    type: { kind: 'int', min: 1, max: 1_000_000 },
    default: 600,
    description: 'Requests one API token may make per minute (per process); more get 429.',
  },
  {
    path: 'access.malwareRelease',
    env: 'LAZARET_MALWARE_RELEASE',
    type: { kind: 'enum', values: ['admin', 'domain_admin', 'user'] },
    default: 'admin',
    description:
      'Least role that may release (or approve the release of) an item held as malware: admin only, also domain admins, or everyone who sees it.',
  },
  {
    path: 'access.userRelease',
    env: 'LAZARET_USER_RELEASE',
    type: { kind: 'enum', values: ['release', 'request'] },
    default: 'release',
    description:
      "What users (role user) may do with their items: release them, or only request release for an admin to approve. A user's own setting overrides it.",
  },
  {
    path: 'relay.host',
    env: 'LAZARET_RELAY_HOST',
    type: { kind: 'string', nonEmpty: true },
    default: '127.0.0.1',
    description: 'Mail server that released mail is delivered to.',
  },
  {
    path: 'relay.port',
    env: 'LAZARET_RELAY_PORT',
    type: { kind: 'port' },
    default: 25,
    description: 'Port of the relay.',
  },
  {
    path: 'relay.tls',
    env: 'LAZARET_RELAY_TLS',
    type: { kind: 'enum', values: ['none', 'starttls', 'opportunistic', 'implicit'] },
    default: 'opportunistic',
    description:
      'none: never TLS; starttls: require STARTTLS; opportunistic: STARTTLS when offered; implicit: TLS from the first byte (port 465).',
  },
  {
    path: 'relay.tlsVerify',
    env: 'LAZARET_RELAY_TLS_VERIFY',
    type: { kind: 'bool' },
    default: true,
    description: "Check the relay's certificate.",
  },
  {
    path: 'relay.user',
    env: 'LAZARET_RELAY_USER',
    type: { kind: 'string' },
    default: undefined,
    description: 'User for SMTP AUTH at the relay (none when unset).',
  },
  {
    path: 'relay.password',
    env: 'LAZARET_RELAY_PASSWORD',
    type: { kind: 'string' },
    default: undefined,
    description: 'Password for SMTP AUTH at the relay.',
  },
  {
    path: 'relay.maxConnections',
    env: 'LAZARET_RELAY_MAX_CONNECTIONS',
    type: { kind: 'int', min: 1, max: 1000 },
    default: 8,
    description: 'Size of the connection pool to the relay (the SMTP concurrency of releases).',
  },
  {
    path: 'relay.timeoutMs',
    env: 'LAZARET_RELAY_TIMEOUT_MS',
    type: { kind: 'int', min: 100, max: 600_000 },
    default: 60_000,
    description: 'Connection, greeting and socket timeout towards the relay.',
  },
  {
    path: 'release.leaseMs',
    env: 'LAZARET_RELEASE_LEASE_MS',
    type: { kind: 'int', min: 1000, max: 3_600_000 },
    default: 300_000,
    description:
      'How long an item may stay in `releasing`; after that a crashed attempt is marked interrupted.',
  },
  {
    path: 'log.level',
    env: 'LAZARET_LOG_LEVEL',
    type: { kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    default: 'info',
    description: 'Least severe log level written (pino JSON lines on standard output).',
  },
] as const satisfies readonly ConfigKey[];
