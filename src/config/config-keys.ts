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
  | { kind: 'enum'; values: readonly string[] }
  /** Several strings: a JSON array in the file, comma-separated in the environment and in `default`. */
  | { kind: 'list'; values?: readonly string[] };

export interface ConfigKey {
  /** Dotted path in the config file and in the Config object. */
  path: string;
  env: string;
  type: KeyType;
  default: string | number | boolean | undefined;
  description: string;
  /** A password or key: `lazaret doctor` prints it as [redacted]. */
  secret?: true;
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
    path: 'blobs.sweepIntervalMs',
    env: 'LAZARET_BLOBS_SWEEP_INTERVAL_MS',
    type: { kind: 'int', min: 0, max: 86_400_000 },
    default: 3_600_000,
    description:
      'Embedded store: how often (and once at start) raw messages that no message names are removed — what a crash between storing the bytes and committing the items leaves behind (0: never).',
  },
  {
    path: 'blobs.sweepAfterMs',
    env: 'LAZARET_BLOBS_SWEEP_AFTER_MS',
    type: { kind: 'int', min: 1000, max: 86_400_000 },
    default: 3_600_000,
    description:
      'Embedded store: age after which a raw message that no message names counts as left by a crash; longer than any message takes to be received and scanned.',
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
    path: 'http.requestTimeoutMs',
    env: 'LAZARET_HTTP_REQUEST_TIMEOUT_MS',
    type: { kind: 'int', min: 1000, max: 3_600_000 },
    default: 30_000,
    description:
      'Time a client has to send a whole request, headers and body (the headers within at most 10 s of it); a client still sending then gets 408 request_timeout and its connection is closed. Answers may take longer (event streams, big downloads).',
  },
  {
    path: 'shutdownTimeoutMs',
    env: 'LAZARET_SHUTDOWN_TIMEOUT_MS',
    type: { kind: 'int', min: 100, max: 600_000 },
    default: 8_000,
    description:
      'After SIGTERM/SIGINT, how long serve waits for requests, SMTP transactions and releases in flight before it cuts the connections left; a release cut while sending ends `interrupted`. Keep it below the stop timeout of your service manager (Docker 10 s, Kubernetes 30 s, systemd 90 s).',
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
    secret: true,
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
    secret: true,
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
    path: 'http.publicUrl',
    env: 'LAZARET_PUBLIC_URL',
    type: { kind: 'string' },
    default: undefined,
    description:
      'Address people use to reach Lazaret (e.g. https://quarantine.example.com): the base of every link in digests. Unset: http://<http.host>:<port actually listened on>.',
  },
  {
    path: 'links.keys',
    secret: true,
    env: 'LAZARET_LINK_KEYS',
    type: { kind: 'string' },
    default: undefined,
    description:
      'Secrets that sign digest links, comma-separated, each at least 32 characters: the first signs, all are accepted (put a new key first and keep the old one until its links expired). Unset: one is generated once into dataDir/link-signing.key; nodes that do not share dataDir must all be given the same keys.',
  },
  {
    path: 'links.ttlHours',
    env: 'LAZARET_LINK_TTL_HOURS',
    type: { kind: 'int', min: 1, max: 8760 },
    default: 72,
    description: 'How long a digest link works after the digest was sent.',
  },
  {
    path: 'digest.enabled',
    env: 'LAZARET_DIGEST_ENABLED',
    type: { kind: 'bool' },
    default: true,
    description:
      'Run the digest worker inside serve (every node may run it: each digest is still sent once).',
  },
  {
    path: 'digest.frequency',
    env: 'LAZARET_DIGEST_FREQUENCY',
    type: { kind: 'enum', values: ['never', 'hourly', 'daily', 'weekly'] },
    default: 'never',
    description:
      'Global default schedule for users who set none and whose domain has no default. Administrators and domain administrators receive copies only when they choose a schedule themselves.',
  },
  {
    path: 'digest.hour',
    env: 'LAZARET_DIGEST_HOUR',
    type: { kind: 'int', min: 0, max: 23 },
    default: 8,
    description: 'Global default local hour (0-23) at which daily and weekly digests are sent.',
  },
  {
    path: 'digest.weekday',
    env: 'LAZARET_DIGEST_WEEKDAY',
    type: { kind: 'int', min: 0, max: 6 },
    default: 1,
    description: 'Global default day of weekly digests: 0 Sunday, 1 Monday, … 6 Saturday.',
  },
  {
    path: 'digest.timeZone',
    env: 'LAZARET_DIGEST_TIME_ZONE',
    type: { kind: 'string', nonEmpty: true },
    default: 'UTC',
    description: 'Global default IANA time zone of digest schedules, e.g. Europe/Berlin.',
  },
  {
    path: 'digest.from',
    env: 'LAZARET_DIGEST_FROM',
    type: { kind: 'string', nonEmpty: true },
    default: 'lazaret@localhost',
    description: 'Sender address of digests (header From and envelope sender).',
  },
  {
    path: 'digest.maxItems',
    env: 'LAZARET_DIGEST_MAX_ITEMS',
    type: { kind: 'int', min: 1, max: 100 },
    default: 50,
    description:
      'Most items listed in one digest; the rest are counted ("and N more") with a link to the web UI.',
  },
  {
    path: 'digest.sendEmpty',
    env: 'LAZARET_DIGEST_SEND_EMPTY',
    type: { kind: 'bool' },
    default: false,
    description: 'Send a digest also when nothing new was held in the period.',
  },
  {
    path: 'digest.tickSeconds',
    env: 'LAZARET_DIGEST_TICK_SECONDS',
    type: { kind: 'int', min: 1, max: 3600 },
    default: 60,
    description: 'How often the digest worker looks for users whose digest is due.',
  },
  {
    path: 'digest.settleSeconds',
    env: 'LAZARET_DIGEST_SETTLE_SECONDS',
    type: { kind: 'int', min: 0, max: 3600 },
    default: 60,
    description:
      'Items received in the last this many seconds wait for the next digest, so that mail still being stored is never skipped.',
  },
  {
    path: 'digest.leaseMs',
    env: 'LAZARET_DIGEST_LEASE_MS',
    type: { kind: 'int', min: 1000, max: 3_600_000 },
    default: 300_000,
    description:
      'How long a node may take to build and send one digest; after that another node takes the period over (a digest cut off while being sent is not sent again).',
  },
  {
    path: 'digest.retrySeconds',
    env: 'LAZARET_DIGEST_RETRY_SECONDS',
    type: { kind: 'int', min: 1, max: 86_400 },
    default: 900,
    description: 'Wait after the relay refused or deferred a digest before trying that user again.',
  },
  {
    path: 'learning.backend',
    env: 'LAZARET_LEARNING_BACKEND',
    type: { kind: 'enum', values: ['none', 'rspamd', 'spamassassin'] },
    default: 'none',
    description:
      'Teach a spam filter from what people do: a released item is learned as ham, one reported as spam as spam.',
  },
  {
    path: 'learning.rspamdUrl',
    env: 'LAZARET_LEARNING_RSPAMD_URL',
    type: { kind: 'string', nonEmpty: true },
    default: 'http://127.0.0.1:11334',
    description: "rspamd's controller worker (it serves /learnham and /learnspam; port 11334 by default).",
  },
  {
    path: 'learning.rspamdPassword',
    secret: true,
    env: 'LAZARET_LEARNING_RSPAMD_PASSWORD',
    type: { kind: 'string' },
    default: undefined,
    description:
      "The controller's enable_password (learning needs it unless Lazaret's address is in secure_ip).",
  },
  {
    path: 'learning.spamdHost',
    env: 'LAZARET_LEARNING_SPAMD_HOST',
    type: { kind: 'string', nonEmpty: true },
    default: '127.0.0.1',
    description:
      'SpamAssassin spamd to teach (with TELL, as `spamc --learntype` does; spamd needs --allow-tell).',
  },
  {
    path: 'learning.spamdPort',
    env: 'LAZARET_LEARNING_SPAMD_PORT',
    type: { kind: 'port' },
    default: 783,
    description: 'Port of that spamd.',
  },
  {
    path: 'learning.spamdUser',
    env: 'LAZARET_LEARNING_SPAMD_USER',
    type: { kind: 'string' },
    default: undefined,
    description: 'User name sent to spamd, whose Bayes database is taught (spamd default when unset).',
  },
  {
    path: 'learning.timeoutMs',
    env: 'LAZARET_LEARNING_TIMEOUT_MS',
    type: { kind: 'int', min: 100, max: 600_000 },
    default: 30_000,
    description: 'Time limit of one learning request.',
  },
  {
    path: 'learning.maxAttempts',
    env: 'LAZARET_LEARNING_MAX_ATTEMPTS',
    type: { kind: 'int', min: 1, max: 100 },
    default: 8,
    description: 'Tries of one learning task before it is given up (logged as LEARN_GAVE_UP).',
  },
  {
    path: 'learning.retryBaseSeconds',
    env: 'LAZARET_LEARNING_RETRY_BASE_SECONDS',
    type: { kind: 'int', min: 1, max: 86_400 },
    default: 60,
    description: 'Wait after the first failed try; it doubles with each further failure.',
  },
  {
    path: 'learning.pollSeconds',
    env: 'LAZARET_LEARNING_POLL_SECONDS',
    type: { kind: 'int', min: 1, max: 3600 },
    default: 30,
    description: 'How often the learning worker looks for tasks that are due (new ones start at once).',
  },
  {
    path: 'release.attempts',
    env: 'LAZARET_RELEASE_ATTEMPTS',
    type: { kind: 'int', min: 1, max: 20 },
    default: 3,
    description:
      'SMTP attempts per release: a 4xx answer (or no answer) is retried with exponential back-off until this many attempts were made; then the item is `delivery_deferred`. The whole back-off must stay under half of `release.leaseMs`.',
  },
  {
    path: 'release.retryBaseMs',
    env: 'LAZARET_RELEASE_RETRY_BASE_MS',
    type: { kind: 'int', min: 1, max: 600_000 },
    default: 2000,
    description:
      'Wait before the second attempt; each further attempt waits twice as long as the one before.',
  },
  {
    path: 'release.sweepIntervalMs',
    env: 'LAZARET_RELEASE_SWEEP_INTERVAL_MS',
    type: { kind: 'int', min: 100, max: 3_600_000 },
    default: 30_000,
    description:
      'How often `serve` looks for items left in `releasing` after their lease ended (a crashed process) and marks them `interrupted`.',
  },
  {
    path: 'bulk.syncLimit',
    env: 'LAZARET_BULK_SYNC_LIMIT',
    type: { kind: 'int', min: 1, max: 100_000 },
    default: 1000,
    description:
      'Most distinct ids that POST /api/quarantine/release and /delete process inside the request; more become a job (202).',
  },
  {
    path: 'bulk.maxIds',
    env: 'LAZARET_BULK_MAX_IDS',
    type: { kind: 'int', min: 1, max: 1_000_000 },
    default: 100_000,
    description: 'Most ids accepted in one request; larger selections are made with a search query.',
  },
  {
    path: 'bulk.window',
    env: 'LAZARET_BULK_WINDOW',
    type: { kind: 'int', min: 1, max: 10_000 },
    default: 1024,
    description:
      'Most items in flight in one bulk action or job (the sliding window); it shrinks on store throttling and grows back to this.',
  },
  {
    path: 'bulk.storeConcurrency',
    env: 'LAZARET_BULK_STORE_CONCURRENCY',
    type: { kind: 'int', min: 1, max: 256 },
    default: 8,
    description:
      'Most store calls at once per bulk action or job (SMTP concurrency is `relay.maxConnections`).',
  },
  {
    path: 'bulk.storeBatchSize',
    env: 'LAZARET_BULK_STORE_BATCH_SIZE',
    type: { kind: 'int', min: 1, max: 1000 },
    default: 500,
    description: 'Most item writes coalesced into one store call.',
  },
  {
    path: 'bulk.storeLingerMs',
    env: 'LAZARET_BULK_STORE_LINGER_MS',
    type: { kind: 'int', min: 0, max: 1000 },
    default: 20,
    description:
      'How long an item write waits for others to join its store call while other items in flight may still add theirs (group commit: each durable commit costs a disk sync or a round trip); when every item in flight is waiting, the call goes at once.',
  },
  {
    path: 'bulk.throttleTries',
    env: 'LAZARET_BULK_THROTTLE_TRIES',
    type: { kind: 'int', min: 1, max: 100 },
    default: 10,
    description:
      'Tries of a store call answered with a throttling signal before its items end `store_error`.',
  },
  {
    path: 'bulk.throttleBackoffMs',
    env: 'LAZARET_BULK_THROTTLE_BACKOFF_MS',
    type: { kind: 'int', min: 1, max: 60_000 },
    default: 50,
    description: 'First back-off after a throttling signal; it doubles with each further one (with jitter).',
  },
  {
    path: 'jobs.concurrency',
    env: 'LAZARET_JOBS_CONCURRENCY',
    type: { kind: 'int', min: 1, max: 64 },
    default: 2,
    description: 'Most jobs one `serve` process runs at once.',
  },
  {
    path: 'jobs.leaseMs',
    env: 'LAZARET_JOBS_LEASE_MS',
    type: { kind: 'int', min: 1000, max: 3_600_000 },
    default: 30_000,
    description:
      'Lease of a running job, renewed while it runs; a job whose process died is taken over by another worker this long after its last renewal.',
  },
  {
    path: 'jobs.pollMs',
    env: 'LAZARET_JOBS_POLL_MS',
    type: { kind: 'int', min: 10, max: 60_000 },
    default: 1000,
    description:
      'How often an idle worker looks for runnable jobs (jobs created by the same process start at once).',
  },
  {
    path: 'jobs.fullDiskPauseMs',
    env: 'LAZARET_JOBS_FULL_DISK_PAUSE_MS',
    type: { kind: 'int', min: 10, max: 600_000 },
    default: 5000,
    description:
      'A running job whose store writes find the disk full pauses and tries again this often until space returns, instead of failing its items.',
  },
  {
    path: 'store.backend',
    env: 'LAZARET_STORE',
    type: { kind: 'enum', values: ['sqlite', 'dynamodb'] },
    default: 'sqlite',
    description:
      'Where items, messages, users, jobs and audit live: sqlite (embedded, under dataDir) or dynamodb (one table, shared by several nodes).',
  },
  {
    path: 'store.minFreeMb',
    env: 'LAZARET_STORE_MIN_FREE_MB',
    type: { kind: 'int', min: 0, max: 1_048_576 },
    default: 100,
    description:
      'Embedded store (SQLite or files under dataDir): below this much free space on the file system of dataDir, new mail is refused with 452 4.3.1 at MAIL FROM and /readyz answers 503, so that releases, deletes, jobs and the database keep room to work (0: refuse only when a write finds the disk full).',
  },
  {
    path: 'blobs.backend',
    env: 'LAZARET_BLOBS',
    type: { kind: 'enum', values: ['fs', 's3'] },
    default: 'fs',
    description:
      'Where raw messages live: fs (files under dataDir) or s3 (a bucket of any S3-compatible service).',
  },
  {
    path: 'aws.region',
    env: 'LAZARET_AWS_REGION',
    type: { kind: 'string', nonEmpty: true },
    default: undefined,
    description:
      "Region of the DynamoDB table and the S3 bucket; defaults to the AWS SDK's own setting (AWS_REGION, the profile). Credentials always come from the SDK's chain (environment, profile, instance role).",
  },
  {
    path: 'dynamodb.table',
    env: 'LAZARET_DYNAMODB_TABLE',
    type: { kind: 'string', nonEmpty: true },
    default: 'lazaret',
    description: 'DynamoDB table holding everything (single-table design, see docs/dynamodb.md).',
  },
  {
    path: 'dynamodb.endpoint',
    env: 'LAZARET_DYNAMODB_ENDPOINT',
    type: { kind: 'string', nonEmpty: true },
    default: undefined,
    description: 'DynamoDB endpoint URL, for a local emulator (dynalite, DynamoDB Local) or a VPC endpoint.',
  },
  {
    path: 'dynamodb.maxAttempts',
    env: 'LAZARET_DYNAMODB_MAX_ATTEMPTS',
    type: { kind: 'int', min: 1, max: 30 },
    default: 8,
    description:
      "Attempts per DynamoDB call in the SDK's adaptive retry mode; a call still throttled after them fails with store_throttled.",
  },
  {
    path: 'dynamodb.minSendRate',
    env: 'LAZARET_DYNAMODB_MIN_SEND_RATE',
    type: { kind: 'int', min: 1, max: 100_000 },
    default: 25,
    description:
      "Requests per second below which the adaptive retry mode's client-side rate limiter never slows this node (the SDK's own floor is 0.5).",
  },
  {
    path: 'dynamodb.ttlGraceDays',
    env: 'LAZARET_DYNAMODB_TTL_GRACE_DAYS',
    type: { kind: 'int', min: 0, max: 3650 },
    default: 7,
    description:
      "Days after an item's expiry at which DynamoDB's TTL may delete its records, as a backstop behind the purge worker.",
  },
  {
    path: 'dynamodb.sweepIntervalMs',
    env: 'LAZARET_DYNAMODB_SWEEP_INTERVAL_MS',
    type: { kind: 'int', min: 0, max: 86_400_000 },
    default: 60_000,
    description: 'How often each node looks for message writes left half-done by a crash (0: never).',
  },
  {
    path: 'dynamodb.sweepAfterMs',
    env: 'LAZARET_DYNAMODB_SWEEP_AFTER_MS',
    type: { kind: 'int', min: 10_000, max: 86_400_000 },
    default: 600_000,
    description:
      'Age after which an unfinished message write counts as crashed and is removed; longer than any write can take.',
  },
  {
    path: 's3.bucket',
    env: 'LAZARET_S3_BUCKET',
    type: { kind: 'string', nonEmpty: true },
    default: undefined,
    description: 'Bucket for raw messages; required when blobs.backend is s3.',
  },
  {
    path: 's3.prefix',
    env: 'LAZARET_S3_PREFIX',
    type: { kind: 'string' },
    default: undefined,
    description: 'Prefix of every object key, e.g. `lazaret/` to share a bucket.',
  },
  {
    path: 's3.endpoint',
    env: 'LAZARET_S3_ENDPOINT',
    type: { kind: 'string', nonEmpty: true },
    default: undefined,
    description: 'S3 endpoint URL, for S3-compatible services (MinIO, Ceph, s3rver, …).',
  },
  {
    path: 's3.forcePathStyle',
    env: 'LAZARET_S3_FORCE_PATH_STYLE',
    type: { kind: 'bool' },
    default: false,
    description:
      'Address the bucket in the path (`host/bucket/key`) instead of the host name; most S3-compatible services need it.',
  },
  {
    path: 's3.checksums',
    env: 'LAZARET_S3_CHECKSUMS',
    type: { kind: 'enum', values: ['when_supported', 'when_required'] },
    default: 'when_supported',
    description:
      'when_supported: the SDK sends and checks CRC checksums on every request (AWS); when_required: only where the API demands them, for services that do not know the newer checksum headers.',
  },
  {
    path: 's3.partSize',
    env: 'LAZARET_S3_PART_SIZE',
    type: { kind: 'int', min: 5 * MB, max: 512 * MB },
    default: 8 * MB,
    description:
      'Blobs larger than this are uploaded in parts of this size (multipart upload); smaller ones in one PUT.',
  },
  {
    path: 's3.uploadConcurrency',
    env: 'LAZARET_S3_UPLOAD_CONCURRENCY',
    type: { kind: 'int', min: 1, max: 16 },
    default: 2,
    description: 'Parts of one blob uploaded at once; each holds up to partSize bytes in memory.',
  },
  {
    path: 's3.maxAttempts',
    env: 'LAZARET_S3_MAX_ATTEMPTS',
    type: { kind: 'int', min: 1, max: 30 },
    default: 5,
    description: "Attempts per S3 call in the SDK's adaptive retry mode.",
  },
  {
    path: 'log.level',
    env: 'LAZARET_LOG_LEVEL',
    type: { kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    default: 'info',
    description: 'Least severe log level written (on standard output, in log.format).',
  },
  {
    path: 'log.format',
    env: 'LAZARET_LOG_FORMAT',
    type: { kind: 'enum', values: ['json', 'pretty', 'logfmt'] },
    default: undefined,
    description:
      'How log lines are written: json (one JSON object a line), pretty (pino-pretty, for people) or logfmt (key=value, nested keys joined with dots). Unset: pretty when standard output is a terminal, json otherwise.',
  },
  {
    path: 'log.httpLevel',
    env: 'LAZARET_LOG_HTTP_LEVEL',
    type: { kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    default: 'debug',
    description:
      'Level of the one HTTP_ACCESS line per API request (method, URL, status, time, client); at the default debug they are written only when log.level is debug or trace.',
  },
  // --- Filter mode, verdict pipeline, scanners, retention (docs/configuration.md) ---
  {
    path: 'smtp.xforwardHosts',
    env: 'LAZARET_SMTP_XFORWARD_HOSTS',
    type: { kind: 'list' },
    default: '127.0.0.1,::1',
    description:
      "SMTP clients allowed to send XFORWARD (Postfix's smtp_send_xforward_command): the original client's address and HELO then reach the scanners and the message record. Empty turns XFORWARD off.",
  },
  {
    path: 'mode',
    env: 'LAZARET_MODE',
    type: { kind: 'enum', values: ['capture', 'filter'] },
    default: 'capture',
    description:
      "capture: every message is held (trials, tests); filter: Postfix's content_filter — the verdict pipeline decides per recipient, clean mail is relayed to the re-injection listener.",
  },
  {
    path: 'filter.reinjectHost',
    env: 'LAZARET_FILTER_REINJECT_HOST',
    type: { kind: 'string', nonEmpty: true },
    default: '127.0.0.1',
    description: 'Filter mode: host of the re-injection SMTP listener that clean mail is relayed to.',
  },
  {
    path: 'filter.reinjectPort',
    env: 'LAZARET_FILTER_REINJECT_PORT',
    type: { kind: 'port' },
    default: 10026,
    description:
      'Filter mode: port of the re-injection listener (Postfix `127.0.0.1:10026` in docs/postfix.md).',
  },
  {
    path: 'filter.reinjectTimeoutMs',
    env: 'LAZARET_FILTER_REINJECT_TIMEOUT_MS',
    type: { kind: 'int', min: 100, max: 600_000 },
    default: 60_000,
    description: 'Filter mode: connection, greeting and socket timeout towards the re-injection listener.',
  },
  {
    path: 'filter.reinjectMaxConnections',
    env: 'LAZARET_FILTER_REINJECT_MAX_CONNECTIONS',
    type: { kind: 'int', min: 1, max: 1000 },
    default: 10,
    description: 'Filter mode: pooled connections to the re-injection listener.',
  },
  {
    path: 'scanners.enabled',
    env: 'LAZARET_SCANNERS_ENABLED',
    type: { kind: 'list', values: ['headers', 'policy', 'rspamd', 'spamassassin', 'clamav'] },
    default: 'headers,policy',
    description:
      'Filter mode: the scanners that run, in this order (the order breaks ties between equally strong verdicts).',
  },
  {
    path: 'scanners.onError',
    env: 'LAZARET_SCANNERS_ON_ERROR',
    type: { kind: 'enum', values: ['tempfail', 'pass'] },
    default: 'tempfail',
    description:
      'When a scanner fails or times out: tempfail answers 451 4.7.1 so the sender retries (nothing lost); pass ignores that scanner for this message.',
  },
  {
    path: 'scanners.timeoutMs',
    env: 'LAZARET_SCANNERS_TIMEOUT_MS',
    type: { kind: 'int', min: 10, max: 600_000 },
    default: 10_000,
    description: 'Time limit of the built-in scanners (headers, policy).',
  },
  {
    path: 'scanners.headers.trustedHosts',
    env: 'LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS',
    type: { kind: 'list' },
    default: '',
    description:
      'SMTP clients (IP addresses or CIDR ranges) whose X-Spam-*, X-Rspamd-* and X-Virus-Status headers are believed; empty trusts none.',
  },
  {
    path: 'scanners.headers.rspamdHoldActions',
    env: 'LAZARET_SCANNERS_HEADERS_RSPAMD_HOLD_ACTIONS',
    type: { kind: 'list' },
    default: 'reject,add header,rewrite subject',
    description: 'Values of a trusted X-Rspamd-Action header that hold the message as spam.',
  },
  {
    path: 'scanners.policy.blockedExtensions',
    env: 'LAZARET_SCANNERS_POLICY_BLOCKED_EXTENSIONS',
    type: { kind: 'list' },
    default:
      'ade,adp,bat,chm,cmd,com,cpl,exe,hta,ins,isp,jar,js,jse,lib,lnk,mde,msc,msi,msp,mst,pif,ps1,reg,scr,sct,shb,shs,vb,vbe,vbs,vxd,wsc,wsf,wsh',
    description:
      'Attachment file-name extensions (without the dot, any case) that hold a message for policy, also when named inside a zip archive.',
  },
  {
    path: 'scanners.policy.blockedMimeTypes',
    env: 'LAZARET_SCANNERS_POLICY_BLOCKED_MIME_TYPES',
    type: { kind: 'list' },
    default:
      'application/x-msdownload,application/x-msdos-program,application/x-dosexec,application/vnd.microsoft.portable-executable,application/hta',
    description: 'MIME types of attachments that hold a message for policy.',
  },
  {
    path: 'scanners.policy.inspectArchives',
    env: 'LAZARET_SCANNERS_POLICY_INSPECT_ARCHIVES',
    type: { kind: 'bool' },
    default: true,
    description: 'Read the file names inside zip attachments and apply blockedExtensions to them.',
  },
  {
    path: 'scanners.policy.maxArchiveSize',
    env: 'LAZARET_SCANNERS_POLICY_MAX_ARCHIVE_SIZE',
    type: { kind: 'int', min: 0, max: 1024 * MB },
    default: 20 * MB,
    description:
      'Most decoded bytes of zip attachments kept per message to read their file names; archives beyond it are noted in the details, not opened.',
  },
  {
    path: 'scanners.policy.maxSize',
    env: 'LAZARET_SCANNERS_POLICY_MAX_SIZE',
    type: { kind: 'int', min: 0, max: 1024 * MB },
    default: 0,
    description: 'Messages larger than this many bytes are held for policy; 0 means no limit.',
  },
  {
    path: 'scanners.policy.senderBlock',
    env: 'LAZARET_SCANNERS_POLICY_SENDER_BLOCK',
    type: { kind: 'list' },
    default: '',
    description:
      'Blocked senders: `sender` for every tenant or `tenant:sender` for one recipient domain; sender is an address or a domain (`example.com` or `@example.com`). Matches the envelope sender and the From address.',
  },
  {
    path: 'scanners.policy.senderAllow',
    env: 'LAZARET_SCANNERS_POLICY_SENDER_ALLOW',
    type: { kind: 'list' },
    default: '',
    description:
      'Allowed senders, same form as senderBlock: their mail is not held for spam or bulk (malware and blocked attachments still are). Matches the envelope sender only.',
  },
  {
    path: 'scanners.rspamd.url',
    env: 'LAZARET_SCANNERS_RSPAMD_URL',
    type: { kind: 'string', nonEmpty: true },
    default: 'http://127.0.0.1:11333',
    description: "Base URL of rspamd's normal worker; the message is posted to `<url>/checkv2`.",
  },
  {
    path: 'scanners.rspamd.password',
    secret: true,
    env: 'LAZARET_SCANNERS_RSPAMD_PASSWORD',
    type: { kind: 'string' },
    default: undefined,
    description: 'Sent as the `Password` header when set (needed only when posting to the controller).',
  },
  {
    path: 'scanners.rspamd.timeoutMs',
    env: 'LAZARET_SCANNERS_RSPAMD_TIMEOUT_MS',
    type: { kind: 'int', min: 10, max: 600_000 },
    default: 15_000,
    description: 'Time limit of one rspamd check.',
  },
  {
    path: 'scanners.rspamd.holdActions',
    env: 'LAZARET_SCANNERS_RSPAMD_HOLD_ACTIONS',
    type: { kind: 'list' },
    default: 'reject,add header,rewrite subject',
    description:
      'rspamd actions that hold the message as spam (others, such as greylist and no action, pass).',
  },
  {
    path: 'scanners.rspamd.maxSize',
    env: 'LAZARET_SCANNERS_RSPAMD_MAX_SIZE',
    type: { kind: 'int', min: 1024, max: 1024 * MB },
    default: 50 * MB,
    description: 'Larger messages are not sent to rspamd (noted in the details as skipped).',
  },
  {
    path: 'scanners.spamassassin.host',
    env: 'LAZARET_SCANNERS_SPAMASSASSIN_HOST',
    type: { kind: 'string', nonEmpty: true },
    default: '127.0.0.1',
    description: 'Host of spamd.',
  },
  {
    path: 'scanners.spamassassin.port',
    env: 'LAZARET_SCANNERS_SPAMASSASSIN_PORT',
    type: { kind: 'port' },
    default: 783,
    description: 'Port of spamd.',
  },
  {
    path: 'scanners.spamassassin.user',
    env: 'LAZARET_SCANNERS_SPAMASSASSIN_USER',
    type: { kind: 'string' },
    default: undefined,
    description: 'User name sent to spamd (per-user preferences); none when unset.',
  },
  {
    path: 'scanners.spamassassin.timeoutMs',
    env: 'LAZARET_SCANNERS_SPAMASSASSIN_TIMEOUT_MS',
    type: { kind: 'int', min: 10, max: 600_000 },
    default: 30_000,
    description: 'Time limit of one spamd check.',
  },
  {
    path: 'scanners.spamassassin.maxSize',
    env: 'LAZARET_SCANNERS_SPAMASSASSIN_MAX_SIZE',
    type: { kind: 'int', min: 1024, max: 1024 * MB },
    default: 512_000,
    description: 'Larger messages are not sent to spamd (as spamc does), noted in the details as skipped.',
  },
  {
    path: 'scanners.clamav.host',
    env: 'LAZARET_SCANNERS_CLAMAV_HOST',
    type: { kind: 'string', nonEmpty: true },
    default: '127.0.0.1',
    description: 'Host of clamd (TCPSocket).',
  },
  {
    path: 'scanners.clamav.port',
    env: 'LAZARET_SCANNERS_CLAMAV_PORT',
    type: { kind: 'port' },
    default: 3310,
    description: 'Port of clamd.',
  },
  {
    path: 'scanners.clamav.socket',
    env: 'LAZARET_SCANNERS_CLAMAV_SOCKET',
    type: { kind: 'string' },
    default: undefined,
    description: "Path of clamd's local (unix) socket; when set it is used instead of host and port.",
  },
  {
    path: 'scanners.clamav.timeoutMs',
    env: 'LAZARET_SCANNERS_CLAMAV_TIMEOUT_MS',
    type: { kind: 'int', min: 10, max: 600_000 },
    default: 30_000,
    description: 'Time limit of one clamd scan.',
  },
  {
    path: 'scanners.clamav.maxSize',
    env: 'LAZARET_SCANNERS_CLAMAV_MAX_SIZE',
    type: { kind: 'int', min: 1024, max: 4096 * MB },
    default: 25 * MB,
    description:
      "Keep at or below clamd's StreamMaxLength: larger messages are not streamed (noted in the details as skipped) instead of failing mid-stream.",
  },
  {
    path: 'scanners.clamav.chunkSize',
    env: 'LAZARET_SCANNERS_CLAMAV_CHUNK_SIZE',
    type: { kind: 'int', min: 1024, max: 16 * MB },
    default: 64 * 1024,
    description: 'Largest INSTREAM chunk sent to clamd.',
  },
  ...(['spam', 'malware', 'phish', 'policy', 'bulk', 'manual'] as const).map((reason) => ({
    path: `retention.${reason}Days`,
    env: `LAZARET_RETENTION_${reason.toUpperCase()}_DAYS`,
    type: { kind: 'int', min: 0, max: 36_500 } as const,
    default: 30,
    description: `Days an item held for ${reason} is kept before the purge expires it and removes its message; 0 keeps it forever.`,
  })),
  {
    path: 'retention.purgeIntervalSeconds',
    env: 'LAZARET_RETENTION_PURGE_INTERVAL_SECONDS',
    type: { kind: 'int', min: 0, max: 7 * 86_400 },
    default: 3600,
    description:
      'How often `serve` runs the purge worker; 0 turns it off (run `lazaret purge` from cron instead).',
  },
  {
    path: 'retention.batchSize',
    env: 'LAZARET_RETENTION_BATCH_SIZE',
    type: { kind: 'int', min: 1, max: 10_000 },
    default: 500,
    description: 'Items expired per purge batch; each batch is one bounded read and its writes.',
  },
] as const satisfies readonly ConfigKey[];
