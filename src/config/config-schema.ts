import { type Static, type TSchema, Type } from 'typebox';
import { LANGUAGES } from '../core/languages.js';

/** An older spelling of a key, still read (with a warning at start) until it is removed. */
export interface DeprecatedAlias {
  /** Dotted path in the config file. */
  path: string;
  env: string;
}

/**
 * What a key carries besides its type. `env`, `secret` and `alias` (and `port` on port numbers) are
 * Lazaret's own keywords, which schema checking ignores.
 */
type KeyOptions<Value> = {
  env: string;
  description: string;
  default?: Value;
  /** A password or key: `lazaret doctor` prints it as [redacted]. */
  secret?: true;
  alias?: DeprecatedAlias;
};

/** `pattern` of a text that must not be empty or blank. */
export const NON_BLANK = '\\S';

const text = ({ nonEmpty, ...options }: KeyOptions<string> & { nonEmpty?: true }) =>
  Type.String(nonEmpty ? { ...options, pattern: NON_BLANK } : options);
const int = (minimum: number, maximum: number, options: KeyOptions<number>) =>
  Type.Integer({ ...options, minimum, maximum });
/** A TCP port; 0 picks a free one where the key binds a listener. */
const port = (options: KeyOptions<number>) =>
  Type.Integer({ ...options, minimum: 0, maximum: 65_535, port: true });
const flag = (options: KeyOptions<boolean>) => Type.Boolean(options);
const oneOf = <const Values extends string[]>(
  values: readonly [...Values],
  options: KeyOptions<Values[number]>,
) => Type.Enum(values, options);
/** Several strings: a JSON array in the file, comma-separated in the environment. */
const list = (options: KeyOptions<string[]>) => Type.Array(Type.String(), options);
const listOf = <const Values extends string[]>(
  values: readonly [...Values],
  options: KeyOptions<Values[number][]>,
) => Type.Array(Type.Enum(values), options);

const MB = 1024 * 1024;

/** One OpenID Connect provider of `auth.oidc.providers`; docs/authentication.md explains each field. */
export const OidcProviderSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }),
    label: Type.String({ pattern: NON_BLANK }),
    issuer: Type.String({ pattern: '^https?://' }),
    clientId: Type.String({ pattern: NON_BLANK }),
    clientSecretFile: Type.Optional(Type.String({ pattern: NON_BLANK })),
    clientSecretEnv: Type.Optional(Type.String({ pattern: NON_BLANK })),
    scopes: Type.Optional(Type.Array(Type.String({ pattern: NON_BLANK }))),
    trustEmail: Type.Optional(Type.Boolean()),
    groupsClaim: Type.Optional(Type.String({ pattern: NON_BLANK })),
    adminGroups: Type.Optional(Type.Array(Type.String())),
    domainsClaim: Type.Optional(Type.String({ pattern: NON_BLANK })),
    aliasClaims: Type.Optional(Type.Array(Type.String({ pattern: NON_BLANK }))),
    linkLocalAccounts: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const retentionDays = (reason: 'spam' | 'malware' | 'phish' | 'policy' | 'bulk' | 'manual') =>
  int(0, 36_500, {
    env: `LAZARET_RETENTION_${reason.toUpperCase()}_DAYS`,
    default: 30,
    description: `Days an item held for ${reason} is kept before the purge expires it and removes its message; 0 keeps it forever.`,
  });

/**
 * Every configuration key, in one schema: its place in the config file (the object path), its
 * environment variable, type, default and meaning. The Config type, the loader, its validation
 * messages and the tables in docs/configuration.md all come from here.
 */
export const ConfigSchema = Type.Object({
  dataDir: text({
    nonEmpty: true,
    env: 'LAZARET_DATA_DIR',
    default: './data',
    description: 'Folder of the embedded store: the SQLite database and the raw messages.',
  }),
  nodeName: text({
    env: 'LAZARET_NODE_NAME',
    description: 'Name of this process in leases and logs; defaults to hostname:pid.',
  }),
  blobs: Type.Object({
    inlineMaxBytes: int(0, 16 * MB, {
      env: 'LAZARET_BLOBS_INLINE_MAX_BYTES',
      default: 262_144,
      description:
        'Embedded store: messages up to this size are kept inside the SQLite database, written in the same transaction as their message and items (one fsync for many concurrent deliveries); larger ones are files under dataDir/blobs.',
    }),
    sweepIntervalMs: int(0, 86_400_000, {
      env: 'LAZARET_BLOBS_SWEEP_INTERVAL_MS',
      default: 3_600_000,
      description:
        'Embedded store: how often (and once at start) raw messages that no message names are removed — what a crash between storing the bytes and committing the items leaves behind (0: never).',
    }),
    sweepAfterMs: int(1000, 86_400_000, {
      env: 'LAZARET_BLOBS_SWEEP_AFTER_MS',
      default: 3_600_000,
      description:
        'Embedded store: age after which a raw message that no message names counts as left by a crash; longer than any message takes to be received and scanned.',
    }),
    backend: oneOf(['fs', 's3'], {
      env: 'LAZARET_BLOBS',
      default: 'fs',
      description:
        'Where raw messages live: fs (files under dataDir) or s3 (a bucket of any S3-compatible service).',
    }),
  }),
  smtp: Type.Object({
    host: text({
      nonEmpty: true,
      env: 'LAZARET_SMTP_HOST',
      default: '127.0.0.1',
      description: 'Address the SMTP listener binds to.',
    }),
    port: port({
      env: 'LAZARET_SMTP_PORT',
      default: 2525,
      description: 'Port of the SMTP listener (0 picks a free port).',
    }),
    hostname: Type.Optional(
      text({
        env: 'LAZARET_SMTP_HOSTNAME',
        description: 'Name announced in the SMTP greeting; defaults to the machine name.',
      }),
    ),
    maxMessageSize: int(1024, 1024 * MB, {
      env: 'LAZARET_SMTP_MAX_MESSAGE_SIZE',
      default: 50 * MB,
      description: 'Largest message accepted, in bytes; announced with the SIZE extension.',
    }),
    maxRecipients: int(1, 10_000, {
      env: 'LAZARET_SMTP_MAX_RECIPIENTS',
      default: 1000,
      description: 'Most recipients accepted in one transaction; more get 452 4.5.3.',
    }),
    maxClients: int(1, 100_000, {
      env: 'LAZARET_SMTP_MAX_CLIENTS',
      default: 500,
      description: 'Most simultaneous SMTP connections.',
    }),
    xforwardHosts: list({
      env: 'LAZARET_SMTP_XFORWARD_HOSTS',
      default: ['127.0.0.1', '::1'],
      description:
        "SMTP clients allowed to send XFORWARD (Postfix's smtp_send_xforward_command): the original client's address and HELO then reach the scanners and the message record. Empty turns XFORWARD off.",
    }),
  }),
  http: Type.Object({
    host: text({
      nonEmpty: true,
      env: 'LAZARET_HTTP_HOST',
      default: '127.0.0.1',
      description: 'Address the HTTP API binds to.',
    }),
    port: port({
      env: 'LAZARET_HTTP_PORT',
      default: 8025,
      description: 'Port of the HTTP API (0 picks a free port).',
    }),
    tlsCert: Type.Optional(
      text({
        env: 'LAZARET_TLS_CERT',
        description:
          'PEM certificate file (with its chain). With http.tlsKey the API speaks HTTPS itself; otherwise put a TLS reverse proxy in front.',
      }),
    ),
    tlsKey: Type.Optional(
      text({ env: 'LAZARET_TLS_KEY', description: 'PEM private key file for http.tlsCert.' }),
    ),
    trustProxy: Type.Optional(
      text({
        env: 'LAZARET_HTTP_TRUST_PROXY',
        description:
          'Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: comma-separated addresses or CIDRs, or `true` for any. Unset: none (the peer address is the client).',
      }),
    ),
    requestTimeoutMs: int(1000, 3_600_000, {
      env: 'LAZARET_HTTP_REQUEST_TIMEOUT_MS',
      default: 30_000,
      description:
        'Time a client has to send a whole request, headers and body (the headers within at most 10 s of it); a client still sending then gets 408 request_timeout and its connection is closed. Answers may take longer (event streams, big downloads).',
    }),
    publicUrl: Type.Optional(
      text({
        env: 'LAZARET_PUBLIC_URL',
        description:
          'Address people use to reach Lazaret (e.g. https://quarantine.example.com): the base of every link in digests. Unset: http://<http.host>:<port actually listened on>.',
      }),
    ),
  }),
  shutdownTimeoutMs: int(100, 600_000, {
    env: 'LAZARET_SHUTDOWN_TIMEOUT_MS',
    default: 8000,
    description:
      'After SIGTERM/SIGINT, how long serve waits for requests, SMTP transactions and releases in flight before it cuts the connections left; a release cut while sending ends `interrupted`. Keep it below the stop timeout of your service manager (Docker 10 s, Kubernetes 30 s, systemd 90 s).',
  }),
  auth: Type.Object({
    adminEmail: text({
      nonEmpty: true,
      env: 'LAZARET_ADMIN_EMAIL',
      default: 'admin@localhost',
      description: 'Email of the administrator created on the first start, when the store has no users yet.',
    }),
    adminPassword: Type.Optional(
      text({
        env: 'LAZARET_ADMIN_PASSWORD',
        secret: true,
        description:
          'Password of that first administrator. Unset: one is generated and printed once on standard error.',
      }),
    ),
    sessionTtlMs: int(60_000, 2_592_000_000, {
      env: 'LAZARET_SESSION_TTL_MS',
      default: 43_200_000,
      description:
        'How long a sign-in session lasts; after that the cookie is refused and the user signs in again.',
    }),
    loginMaxFailuresPerAccount: int(1, 10_000, {
      env: 'LAZARET_LOGIN_MAX_FAILURES_PER_ACCOUNT',
      default: 10,
      description:
        'Failed sign-ins for one email within auth.loginWindowMs before that account is refused with 429 (even with the right password) until the window passes.',
    }),
    loginMaxFailuresPerIp: int(1, 1_000_000, {
      env: 'LAZARET_LOGIN_MAX_FAILURES_PER_IP',
      default: 100,
      description: 'Failed sign-ins from one client address within auth.loginWindowMs before it gets 429.',
    }),
    loginWindowMs: int(1000, 86_400_000, {
      env: 'LAZARET_LOGIN_WINDOW_MS',
      default: 900_000,
      description: 'Window of the sign-in failure limits.',
    }),
    requireTotpForAdmins: flag({
      env: 'LAZARET_REQUIRE_TOTP_FOR_ADMINS',
      default: false,
      description:
        'Administrators and domain administrators with a local password must enrol a TOTP second factor before they can do anything else once signed in (accounts from OpenID Connect or LDAP have their second factor at the provider).',
    }),
    requireSso: flag({
      env: 'LAZARET_REQUIRE_SSO',
      default: false,
      description:
        'Everyone signs in through an OpenID Connect provider (auth.oidc.providers) or the directory (auth.ldap): a local password is refused with 403 sso_required, except for the administrators of auth.breakGlassAdmins. Needs at least one of them configured.',
    }),
    breakGlassAdmins: list({
      env: 'LAZARET_BREAK_GLASS_ADMINS',
      default: [],
      description:
        'Emails of local administrators who may still sign in with their password while auth.requireSso is set (for when the identity provider is down).',
    }),
    totpKeyFile: Type.Optional(
      text({
        env: 'LAZARET_TOTP_KEY_FILE',
        description:
          'File holding the key that encrypts TOTP secrets at rest (AES-256-GCM): 32 random bytes in base64 (`openssl rand -base64 32`), read at start. Unset: one is generated once into dataDir/totp-secret.key; nodes that share a PostgreSQL or DynamoDB store but not dataDir must all be given the same key file.',
      }),
    ),
    tokenRequestsPerMinute: int(1, 1_000_000, {
      env: 'LAZARET_TOKEN_REQUESTS_PER_MINUTE',
      default: 600,
      description: 'Requests one API token may make per minute (per process); more get 429.',
    }),
    ldap: Type.Object({
      url: Type.Optional(
        Type.String({
          env: 'LAZARET_LDAP_URL',
          pattern: '^[lL][dD][aA][pP][sS]?://[^/\\s]+/?$',
          description:
            'LDAP or Active Directory server for password sign-in, `ldaps://host:636` or `ldap://host:389` (with auth.ldap.startTls). Unset: only local accounts sign in.',
        }),
      ),
      startTls: flag({
        env: 'LAZARET_LDAP_START_TLS',
        default: false,
        description:
          'Upgrade an `ldap://` connection with StartTLS before binding; refused when the server cannot.',
      }),
      caFile: Type.Optional(
        text({
          env: 'LAZARET_LDAP_CA_FILE',
          description:
            "PEM file of the CA(s) that sign the directory server's certificate; unset: the system's trusted CAs. The certificate and its name are always checked.",
        }),
      ),
      bindDn: Type.Optional(
        text({
          env: 'LAZARET_LDAP_BIND_DN',
          description: 'DN of the service account that searches for users; unset: anonymous search.',
        }),
      ),
      bindPasswordFile: Type.Optional(
        text({
          env: 'LAZARET_LDAP_BIND_PASSWORD_FILE',
          description:
            "File holding the service account's password (one line; a trailing newline is ignored), read at start.",
        }),
      ),
      userBase: text({
        env: 'LAZARET_LDAP_USER_BASE',
        default: '',
        description: 'Base DN under which users are searched (subtree).',
      }),
      userFilter: text({
        nonEmpty: true,
        env: 'LAZARET_LDAP_USER_FILTER',
        default: '(mail={email})',
        description:
          'Filter that finds the one entry of the email typed at sign-in; `{email}` is replaced by it, escaped. Active Directory: `(&(objectClass=user)(|(mail={email})(userPrincipalName={email})))`.',
      }),
      disabledFilter: Type.Optional(
        text({
          env: 'LAZARET_LDAP_DISABLED_FILTER',
          description:
            'An entry matching this filter is a disabled account and may not sign in. Active Directory: `(userAccountControl:1.2.840.113556.1.4.803:=2)`.',
        }),
      ),
      addressAttributes: list({
        env: 'LAZARET_LDAP_ADDRESS_ATTRIBUTES',
        default: ['mail', 'proxyAddresses', 'otherMailbox'],
        description:
          "Attributes whose values are the user's addresses (primary first); `smtp:`/`SMTP:` prefixes (proxyAddresses) are understood, other prefixes (`x500:`, `sip:`) skipped.",
      }),
      adminGroups: list({
        env: 'LAZARET_LDAP_ADMIN_GROUPS',
        default: [],
        description: 'DNs of groups whose members (attribute `member` or `uniqueMember`) are admins.',
      }),
      domainAdminGroups: list({
        env: 'LAZARET_LDAP_DOMAIN_ADMIN_GROUPS',
        default: [],
        description:
          'Entries `domain:group DN`: members of the group are domain admins of that domain (repeat a group for more domains). Everyone else is a user.',
      }),
      syncIntervalSeconds: int(0, 604_800, {
        env: 'LAZARET_LDAP_SYNC_INTERVAL_SECONDS',
        default: 3600,
        description:
          'How often serve brings directory accounts in line with the directory (as `lazaret directory sync` does); 0: only at sign-in and by that command.',
      }),
      syncDisablesMissing: flag({
        env: 'LAZARET_LDAP_SYNC_DISABLES_MISSING',
        default: false,
        description:
          'Whether a sync disables accounts without a local password that the directory no longer finds (deleted there). Set it when the directory is the only source of such accounts (no OpenID Connect sign-in).',
      }),
      timeoutMs: int(100, 120_000, {
        env: 'LAZARET_LDAP_TIMEOUT_MS',
        default: 10_000,
        description: 'Connect and operation timeout of each directory request.',
      }),
    }),
    oidc: Type.Object({
      providers: Type.Array(OidcProviderSchema, {
        env: 'LAZARET_OIDC_PROVIDERS',
        default: [],
        description:
          'OpenID Connect providers people may sign in with (a JSON list in the file or the environment); see docs/authentication.md for each field and examples.',
      }),
    }),
  }),
  access: Type.Object({
    malwareRelease: oneOf(['admin', 'domain_admin', 'user'], {
      env: 'LAZARET_MALWARE_RELEASE',
      default: 'admin',
      description:
        'Least role that may release (or approve the release of) an item held as malware: admin only, also domain admins, or everyone who sees it.',
    }),
    userRelease: oneOf(['release', 'request'], {
      env: 'LAZARET_USER_RELEASE',
      default: 'release',
      description:
        "What users (role user) may do with their items: release them, or only request release for an admin to approve. A user's own setting overrides it.",
    }),
  }),
  relay: Type.Object({
    host: text({
      nonEmpty: true,
      env: 'LAZARET_RELAY_HOST',
      default: '127.0.0.1',
      description: 'Mail server that released mail is delivered to.',
    }),
    port: port({ env: 'LAZARET_RELAY_PORT', default: 25, description: 'Port of the relay.' }),
    tls: oneOf(['none', 'starttls', 'opportunistic', 'implicit'], {
      env: 'LAZARET_RELAY_TLS',
      default: 'opportunistic',
      description:
        'none: never TLS; starttls: require STARTTLS; opportunistic: STARTTLS when offered; implicit: TLS from the first byte (port 465).',
    }),
    tlsVerify: flag({
      env: 'LAZARET_RELAY_TLS_VERIFY',
      default: true,
      description: "Check the relay's certificate.",
    }),
    user: Type.Optional(
      text({ env: 'LAZARET_RELAY_USER', description: 'User for SMTP AUTH at the relay (none when unset).' }),
    ),
    password: Type.Optional(
      text({
        env: 'LAZARET_RELAY_PASSWORD',
        secret: true,
        description: 'Password for SMTP AUTH at the relay.',
      }),
    ),
    maxConnections: int(1, 1000, {
      env: 'LAZARET_RELAY_MAX_CONNECTIONS',
      default: 8,
      description: 'Size of the connection pool to the relay (the SMTP concurrency of releases).',
    }),
    timeoutMs: int(100, 600_000, {
      env: 'LAZARET_RELAY_TIMEOUT_MS',
      default: 60_000,
      description: 'Connection, greeting and socket timeout towards the relay.',
    }),
  }),
  release: Type.Object({
    leaseMs: int(1000, 3_600_000, {
      env: 'LAZARET_RELEASE_LEASE_MS',
      default: 300_000,
      description:
        'How long an item may stay in `releasing`; after that a crashed attempt is marked interrupted.',
    }),
    attempts: int(1, 20, {
      env: 'LAZARET_RELEASE_ATTEMPTS',
      default: 3,
      description:
        'SMTP attempts per release: a 4xx answer (or no answer) is retried with exponential back-off until this many attempts were made; then the item is `delivery_deferred`. The whole back-off must stay under half of `release.leaseMs`.',
    }),
    retryBaseMs: int(1, 600_000, {
      env: 'LAZARET_RELEASE_RETRY_BASE_MS',
      default: 2000,
      description:
        'Wait before the second attempt; each further attempt waits twice as long as the one before.',
    }),
    sweepIntervalMs: int(100, 3_600_000, {
      env: 'LAZARET_RELEASE_SWEEP_INTERVAL_MS',
      default: 30_000,
      description:
        'How often `serve` looks for items left in `releasing` after their lease ended (a crashed process) and marks them `interrupted`.',
    }),
  }),
  links: Type.Object({
    keys: Type.Optional(
      text({
        env: 'LAZARET_LINK_KEYS',
        secret: true,
        description:
          'Secrets that sign digest links, comma-separated, each at least 32 characters: the first signs, all are accepted (put a new key first and keep the old one until its links expired). Unset: one is generated once into dataDir/link-signing.key; nodes that do not share dataDir must all be given the same keys.',
      }),
    ),
    ttlHours: int(1, 8760, {
      env: 'LAZARET_LINK_TTL_HOURS',
      default: 72,
      description: 'How long a digest link works after the digest was sent.',
    }),
  }),
  digest: Type.Object({
    enabled: flag({
      env: 'LAZARET_DIGEST_ENABLED',
      default: true,
      description:
        'Run the digest worker inside serve (every node may run it: each digest is still sent once).',
    }),
    frequency: oneOf(['never', 'hourly', 'daily', 'weekly'], {
      env: 'LAZARET_DIGEST_FREQUENCY',
      default: 'never',
      description:
        'Global default schedule for users who set none and whose domain has no default. Administrators and domain administrators receive copies only when they choose a schedule themselves.',
    }),
    hour: int(0, 23, {
      env: 'LAZARET_DIGEST_HOUR',
      default: 8,
      description: 'Global default local hour (0-23) at which daily and weekly digests are sent.',
    }),
    weekday: int(0, 6, {
      env: 'LAZARET_DIGEST_WEEKDAY',
      default: 1,
      description: 'Global default day of weekly digests: 0 Sunday, 1 Monday, … 6 Saturday.',
    }),
    timeZone: text({
      nonEmpty: true,
      env: 'LAZARET_DIGEST_TIME_ZONE',
      default: 'UTC',
      description: 'Global default IANA time zone of digest schedules, e.g. Europe/Berlin.',
    }),
    from: text({
      nonEmpty: true,
      env: 'LAZARET_DIGEST_FROM',
      default: 'lazaret@localhost',
      description: 'Sender address of digests (header From and envelope sender).',
    }),
    maxItems: int(1, 100, {
      env: 'LAZARET_DIGEST_MAX_ITEMS',
      default: 50,
      description:
        'Most items listed in one digest; the rest are counted ("and N more") with a link to the web UI.',
    }),
    sendEmpty: flag({
      env: 'LAZARET_DIGEST_SEND_EMPTY',
      default: false,
      description: 'Send a digest also when nothing new was held in the period.',
    }),
    tickSeconds: int(1, 3600, {
      env: 'LAZARET_DIGEST_TICK_SECONDS',
      default: 60,
      description: 'How often the digest worker looks for users whose digest is due.',
    }),
    settleSeconds: int(0, 3600, {
      env: 'LAZARET_DIGEST_SETTLE_SECONDS',
      default: 60,
      description:
        'Items received in the last this many seconds wait for the next digest, so that mail still being stored is never skipped.',
    }),
    leaseMs: int(1000, 3_600_000, {
      env: 'LAZARET_DIGEST_LEASE_MS',
      default: 300_000,
      description:
        'How long a node may take to build and send one digest; after that another node takes the period over (a digest cut off while being sent is not sent again).',
    }),
    retrySeconds: int(1, 86_400, {
      env: 'LAZARET_DIGEST_RETRY_SECONDS',
      default: 900,
      description: 'Wait after the relay refused or deferred a digest before trying that user again.',
    }),
  }),
  i18n: Type.Object({
    defaultLanguage: oneOf([...LANGUAGES], {
      env: 'LAZARET_DEFAULT_LANGUAGE',
      default: 'en',
      description:
        "Language of the web UI, digest mails and digest link pages for people who chose none in Settings and whose browser asks for none Lazaret speaks (en, de, fr). Digest mails use the recipient's own choice, else this.",
    }),
  }),
  brand: Type.Object({
    productName: text({
      nonEmpty: true,
      env: 'LAZARET_BRAND_PRODUCT_NAME',
      default: 'Lazaret',
      description:
        'The name digest mail and digest link pages give the quarantine (their heading, subject and page titles), e.g. "Example Corp mail quarantine".',
    }),
    logoUrl: Type.Optional(
      Type.String({
        pattern: '^https://[^\\s"\'<>]+$',
        env: 'LAZARET_BRAND_LOGO_URL',
        description:
          'An https URL of a logo image shown at the top of digest mail and digest link pages (at most 48 px high). Unset: no logo. Mail clients that block remote images show the product name alone.',
      }),
    ),
    colour: Type.String({
      pattern: '^#[0-9a-fA-F]{6}$',
      env: 'LAZARET_BRAND_COLOUR',
      default: '#3b3fb6',
      description:
        'The colour of links and buttons in digest mail and digest link pages, as #rrggbb; text on buttons is white, so choose a dark one.',
    }),
  }),
  learning: Type.Object({
    backend: oneOf(['none', 'rspamd', 'spamassassin'], {
      env: 'LAZARET_LEARNING_BACKEND',
      default: 'none',
      description:
        'Teach a spam filter from what people do: a released item is learned as ham, one reported as spam as spam. The filter is the daemon the scanners.rspamd or scanners.spamassassin keys name (whether or not that scanner is enabled).',
    }),
    timeoutMs: int(100, 600_000, {
      env: 'LAZARET_LEARNING_TIMEOUT_MS',
      default: 30_000,
      description: 'Time limit of one learning request.',
    }),
    maxAttempts: int(1, 100, {
      env: 'LAZARET_LEARNING_MAX_ATTEMPTS',
      default: 8,
      description: 'Tries of one learning task before it is given up (logged as LEARN_GAVE_UP).',
    }),
    retryBaseSeconds: int(1, 86_400, {
      env: 'LAZARET_LEARNING_RETRY_BASE_SECONDS',
      default: 60,
      description: 'Wait after the first failed try; it doubles with each further failure.',
    }),
    pollSeconds: int(1, 3600, {
      env: 'LAZARET_LEARNING_POLL_SECONDS',
      default: 30,
      description: 'How often the learning worker looks for tasks that are due (new ones start at once).',
    }),
  }),
  bulk: Type.Object({
    syncLimit: int(1, 100_000, {
      env: 'LAZARET_BULK_SYNC_LIMIT',
      default: 1000,
      description:
        'Most distinct ids that POST /api/quarantine/release and /delete process inside the request; more become a job (202).',
    }),
    maxIds: int(1, 1_000_000, {
      env: 'LAZARET_BULK_MAX_IDS',
      default: 100_000,
      description: 'Most ids accepted in one request; larger selections are made with a search query.',
    }),
    window: int(1, 10_000, {
      env: 'LAZARET_BULK_WINDOW',
      default: 1024,
      description:
        'Most items in flight in one bulk action or job (the sliding window); it shrinks on store throttling and grows back to this.',
    }),
    storeConcurrency: int(1, 256, {
      env: 'LAZARET_BULK_STORE_CONCURRENCY',
      default: 8,
      description:
        'Most store calls at once per bulk action or job (SMTP concurrency is `relay.maxConnections`).',
    }),
    storeBatchSize: int(1, 1000, {
      env: 'LAZARET_BULK_STORE_BATCH_SIZE',
      default: 500,
      description: 'Most item writes coalesced into one store call.',
    }),
    storeLingerMs: int(0, 1000, {
      env: 'LAZARET_BULK_STORE_LINGER_MS',
      default: 20,
      description:
        'How long an item write waits for others to join its store call while other items in flight may still add theirs (group commit: each durable commit costs a disk sync or a round trip); when every item in flight is waiting, the call goes at once.',
    }),
    throttleTries: int(1, 100, {
      env: 'LAZARET_BULK_THROTTLE_TRIES',
      default: 10,
      description:
        'Tries of a store call answered with a throttling signal before its items end `store_error`.',
    }),
    throttleBackoffMs: int(1, 60_000, {
      env: 'LAZARET_BULK_THROTTLE_BACKOFF_MS',
      default: 50,
      description:
        'First back-off after a throttling signal; it doubles with each further one (with jitter).',
    }),
  }),
  jobs: Type.Object({
    concurrency: int(1, 64, {
      env: 'LAZARET_JOBS_CONCURRENCY',
      default: 2,
      description: 'Most jobs one `serve` process runs at once.',
    }),
    leaseMs: int(1000, 3_600_000, {
      env: 'LAZARET_JOBS_LEASE_MS',
      default: 30_000,
      description:
        'Lease of a running job, renewed while it runs; a job whose process died is taken over by another worker this long after its last renewal.',
    }),
    pollMs: int(10, 60_000, {
      env: 'LAZARET_JOBS_POLL_MS',
      default: 1000,
      description:
        'How often an idle worker looks for runnable jobs (jobs created by the same process start at once).',
    }),
    fullDiskPauseMs: int(10, 600_000, {
      env: 'LAZARET_JOBS_FULL_DISK_PAUSE_MS',
      default: 5000,
      description:
        'A running job whose store writes find the disk full pauses and tries again this often until space returns, instead of failing its items.',
    }),
  }),
  store: Type.Object({
    backend: oneOf(['sqlite', 'dynamodb', 'postgres'], {
      env: 'LAZARET_STORE',
      default: 'sqlite',
      description:
        'Where items, messages, users, jobs and audit live: sqlite (embedded, under dataDir), dynamodb (one table, shared by several nodes) or postgres (one PostgreSQL database, shared by several nodes; see docs/postgresql.md).',
    }),
    minFreeMb: int(0, MB, {
      env: 'LAZARET_STORE_MIN_FREE_MB',
      default: 100,
      description:
        'Embedded store (SQLite or files under dataDir): below this much free space on the file system of dataDir, new mail is refused with 452 4.3.1 at MAIL FROM and /readyz answers 503, so that releases, deletes, jobs and the database keep room to work (0: refuse only when a write finds the disk full).',
    }),
  }),
  aws: Type.Object({
    region: Type.Optional(
      text({
        nonEmpty: true,
        env: 'LAZARET_AWS_REGION',
        description:
          "Region of the DynamoDB table and the S3 bucket; defaults to the AWS SDK's own setting (AWS_REGION, the profile). Credentials always come from the SDK's chain (environment, profile, instance role).",
      }),
    ),
  }),
  dynamodb: Type.Object({
    table: text({
      nonEmpty: true,
      env: 'LAZARET_DYNAMODB_TABLE',
      default: 'lazaret',
      description: 'DynamoDB table holding everything (single-table design, see docs/dynamodb.md).',
    }),
    endpoint: Type.Optional(
      text({
        nonEmpty: true,
        env: 'LAZARET_DYNAMODB_ENDPOINT',
        description:
          'DynamoDB endpoint URL, for a local emulator (dynalite, DynamoDB Local) or a VPC endpoint.',
      }),
    ),
    maxAttempts: int(1, 30, {
      env: 'LAZARET_DYNAMODB_MAX_ATTEMPTS',
      default: 8,
      description:
        "Attempts per DynamoDB call in the SDK's adaptive retry mode; a call still throttled after them fails with store_throttled.",
    }),
    minSendRate: int(1, 100_000, {
      env: 'LAZARET_DYNAMODB_MIN_SEND_RATE',
      default: 25,
      description:
        "Requests per second below which the adaptive retry mode's client-side rate limiter never slows this node (the SDK's own floor is 0.5).",
    }),
    ttlGraceDays: int(0, 3650, {
      env: 'LAZARET_DYNAMODB_TTL_GRACE_DAYS',
      default: 7,
      description:
        "Days after an item's expiry at which DynamoDB's TTL may delete its records, as a backstop behind the purge worker.",
    }),
    sweepIntervalMs: int(0, 86_400_000, {
      env: 'LAZARET_DYNAMODB_SWEEP_INTERVAL_MS',
      default: 60_000,
      description: 'How often each node looks for message writes left half-done by a crash (0: never).',
    }),
    sweepAfterMs: int(10_000, 86_400_000, {
      env: 'LAZARET_DYNAMODB_SWEEP_AFTER_MS',
      default: 600_000,
      description:
        'Age after which an unfinished message write counts as crashed and is removed; longer than any write can take.',
    }),
  }),
  postgres: Type.Object({
    url: Type.Optional(
      text({
        nonEmpty: true,
        env: 'LAZARET_POSTGRES_URL',
        description:
          'Database of the PostgreSQL store, `postgres://user@host:5432/lazaret` (`?host=/run/postgresql` for a unix socket); required when store.backend is postgres. The password goes in postgres.passwordFile or postgres.password, not here.',
      }),
    ),
    password: Type.Optional(
      text({
        env: 'LAZARET_POSTGRES_PASSWORD',
        secret: true,
        description: 'Password of the PostgreSQL user.',
      }),
    ),
    passwordFile: Type.Optional(
      text({
        nonEmpty: true,
        env: 'LAZARET_POSTGRES_PASSWORD_FILE',
        description:
          'File holding the password of the PostgreSQL user (a trailing newline is ignored), e.g. a mounted secret; wins over postgres.password.',
      }),
    ),
    tls: oneOf(['disable', 'require', 'verify-ca', 'verify-full'], {
      env: 'LAZARET_POSTGRES_TLS',
      default: 'disable',
      description:
        "TLS to the server, as libpq's sslmode: disable, require (encrypted, certificate not checked), verify-ca (signed by postgres.tlsCaFile) or verify-full (and for the URL's host name).",
    }),
    tlsCaFile: Type.Optional(
      text({
        nonEmpty: true,
        env: 'LAZARET_POSTGRES_TLS_CA_FILE',
        description: "PEM file of the CA(s) that signed the server's certificate (verify-ca, verify-full).",
      }),
    ),
    tlsCertFile: Type.Optional(
      text({
        nonEmpty: true,
        env: 'LAZARET_POSTGRES_TLS_CERT_FILE',
        description: 'PEM client certificate, for servers that authenticate clients by certificate.',
      }),
    ),
    tlsKeyFile: Type.Optional(
      text({
        nonEmpty: true,
        env: 'LAZARET_POSTGRES_TLS_KEY_FILE',
        description: 'PEM key of postgres.tlsCertFile.',
      }),
    ),
    poolSize: int(1, 1000, {
      env: 'LAZARET_POSTGRES_POOL_SIZE',
      default: 10,
      description:
        "Connections this node keeps at most; all nodes' pools together must stay under the server's max_connections.",
    }),
    connectTimeoutMs: int(100, 600_000, {
      env: 'LAZARET_POSTGRES_CONNECT_TIMEOUT_MS',
      default: 10_000,
      description: 'How long to wait for a connection, from the server or the pool, before a call fails.',
    }),
    statementTimeoutMs: int(0, 3_600_000, {
      env: 'LAZARET_POSTGRES_STATEMENT_TIMEOUT_MS',
      default: 30_000,
      description: 'Limit of one statement, set on each connection (0: none).',
    }),
  }),
  s3: Type.Object({
    bucket: Type.Optional(
      text({
        nonEmpty: true,
        env: 'LAZARET_S3_BUCKET',
        description: 'Bucket for raw messages; required when blobs.backend is s3.',
      }),
    ),
    prefix: Type.Optional(
      text({
        env: 'LAZARET_S3_PREFIX',
        description: 'Prefix of every object key, e.g. `lazaret/` to share a bucket.',
      }),
    ),
    endpoint: Type.Optional(
      text({
        nonEmpty: true,
        env: 'LAZARET_S3_ENDPOINT',
        description: 'S3 endpoint URL, for S3-compatible services (MinIO, Ceph, s3rver, …).',
      }),
    ),
    forcePathStyle: flag({
      env: 'LAZARET_S3_FORCE_PATH_STYLE',
      default: false,
      description:
        'Address the bucket in the path (`host/bucket/key`) instead of the host name; most S3-compatible services need it.',
    }),
    checksums: oneOf(['when_supported', 'when_required'], {
      env: 'LAZARET_S3_CHECKSUMS',
      default: 'when_supported',
      description:
        'when_supported: the SDK sends and checks CRC checksums on every request (AWS); when_required: only where the API demands them, for services that do not know the newer checksum headers.',
    }),
    partSize: int(5 * MB, 512 * MB, {
      env: 'LAZARET_S3_PART_SIZE',
      default: 8 * MB,
      description:
        'Blobs larger than this are uploaded in parts of this size (multipart upload); smaller ones in one PUT.',
    }),
    uploadConcurrency: int(1, 16, {
      env: 'LAZARET_S3_UPLOAD_CONCURRENCY',
      default: 2,
      description: 'Parts of one blob uploaded at once; each holds up to partSize bytes in memory.',
    }),
    maxAttempts: int(1, 30, {
      env: 'LAZARET_S3_MAX_ATTEMPTS',
      default: 5,
      description: "Attempts per S3 call in the SDK's adaptive retry mode.",
    }),
  }),
  log: Type.Object({
    level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      env: 'LAZARET_LOG_LEVEL',
      default: 'info',
      description: 'Least severe log level written (on standard output, in log.format).',
    }),
    format: Type.Optional(
      oneOf(['json', 'pretty', 'logfmt'], {
        env: 'LAZARET_LOG_FORMAT',
        description:
          'How log lines are written: json (one JSON object a line), pretty (pino-pretty, for people) or logfmt (key=value, nested keys joined with dots). Unset: pretty when standard output is a terminal, json otherwise.',
      }),
    ),
    httpLevel: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      env: 'LAZARET_LOG_HTTP_LEVEL',
      default: 'debug',
      description:
        'Level of the one HTTP_ACCESS line per API request (method, URL, status, time, client); at the default debug they are written only when log.level is debug or trace.',
    }),
  }),
  mode: oneOf(['capture', 'filter', 'milter'], {
    env: 'LAZARET_MODE',
    default: 'capture',
    description:
      "capture: every message is held (trials, tests); filter: Postfix's content_filter — the verdict pipeline decides per recipient, clean mail is relayed to the re-injection listener; milter: Postfix smtpd_milters or Sendmail INPUT_MAIL_FILTER (docs/milter.md) — the verdict pipeline decides at end of message, held recipients are removed from the message (all held: discarded or rejected); no SMTP listener.",
  }),
  milter: Type.Object({
    listen: Type.String({
      pattern: '^(inet:[^:]+:\\d{1,5}|unix:/.+)$',
      env: 'LAZARET_MILTER_LISTEN',
      default: 'inet:127.0.0.1:10027',
      description:
        "Milter mode: where the milter listens, in Postfix's notation: `inet:host:port` or `unix:/path/to/socket` (created mode 0660; the MTA must be able to open it).",
    }),
    rejectReasons: listOf(['spam', 'malware', 'phish', 'policy', 'bulk', 'manual'], {
      env: 'LAZARET_MILTER_REJECT_REASONS',
      default: [],
      description:
        'Milter mode: when every recipient is held and the strongest reason is one of these, the message is refused with `550 5.7.1` (the items are still stored) instead of accepted and discarded.',
    }),
    verdictHeader: Type.Optional(
      Type.String({
        pattern: '^[!-9;-~]+$',
        env: 'LAZARET_MILTER_VERDICT_HEADER',
        description:
          'Milter mode: name of a header added to mail that passes (e.g. `X-Lazaret-Verdict`), its value `pass` and the scanners that ran. Unset: the message is left unchanged.',
      }),
    ),
  }),
  handoff: Type.Object({
    rspamd: Type.Object({
      secret: Type.Optional(
        text({
          nonEmpty: true,
          env: 'LAZARET_HANDOFF_RSPAMD_SECRET',
          secret: true,
          description:
            "Turns on `POST /api/ingest/rspamd`, where rspamd's metadata_exporter pushes the mail it judged (docs/integration.md): the shared secret it must send, as the password of `Authorization: Basic` (metadata_exporter's `user`/`password`) or as `Bearer`. At least 16 characters. Unset (and no secretFile): the hand-off is off.",
        }),
      ),
      secretFile: Type.Optional(
        text({
          nonEmpty: true,
          env: 'LAZARET_HANDOFF_RSPAMD_SECRET_FILE',
          description:
            'File holding handoff.rspamd.secret (one line; a trailing newline is ignored), read at start; wins over handoff.rspamd.secret.',
        }),
      ),
    }),
  }),
  filter: Type.Object({
    reinjectHost: text({
      nonEmpty: true,
      env: 'LAZARET_FILTER_REINJECT_HOST',
      default: '127.0.0.1',
      description: 'Filter mode: host of the re-injection SMTP listener that clean mail is relayed to.',
    }),
    reinjectPort: port({
      env: 'LAZARET_FILTER_REINJECT_PORT',
      default: 10026,
      description:
        'Filter mode: port of the re-injection listener (Postfix `127.0.0.1:10026` in docs/postfix.md).',
    }),
    reinjectTimeoutMs: int(100, 600_000, {
      env: 'LAZARET_FILTER_REINJECT_TIMEOUT_MS',
      default: 60_000,
      description: 'Filter mode: connection, greeting and socket timeout towards the re-injection listener.',
    }),
    reinjectMaxConnections: int(1, 1000, {
      env: 'LAZARET_FILTER_REINJECT_MAX_CONNECTIONS',
      default: 10,
      description: 'Filter mode: pooled connections to the re-injection listener.',
    }),
  }),
  scanners: Type.Object({
    enabled: listOf(['headers', 'policy', 'rspamd', 'spamassassin', 'clamav'], {
      env: 'LAZARET_SCANNERS_ENABLED',
      default: ['headers', 'policy'],
      description:
        'Filter and milter mode: the scanners that run, in this order (the order breaks ties between equally strong verdicts).',
    }),
    onError: oneOf(['tempfail', 'pass'], {
      env: 'LAZARET_SCANNERS_ON_ERROR',
      default: 'tempfail',
      description:
        'When a scanner fails or times out: tempfail answers 451 4.7.1 so the sender retries (nothing lost); pass ignores that scanner for this message.',
    }),
    timeoutMs: int(10, 600_000, {
      env: 'LAZARET_SCANNERS_TIMEOUT_MS',
      default: 10_000,
      description: 'Time limit of the built-in scanners (headers, policy).',
    }),
    headers: Type.Object({
      trustedHosts: list({
        env: 'LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS',
        default: [],
        description:
          'SMTP clients (IP addresses or CIDR ranges) whose X-Spam-*, X-Rspamd-* and X-Virus-Status headers are believed, and whose topmost Authentication-Results header is kept for the message page; empty trusts none.',
      }),
      rspamdHoldActions: list({
        env: 'LAZARET_SCANNERS_HEADERS_RSPAMD_HOLD_ACTIONS',
        default: ['reject', 'add header', 'rewrite subject'],
        description: 'Values of a trusted X-Rspamd-Action header that hold the message as spam.',
      }),
    }),
    policy: Type.Object({
      blockedExtensions: list({
        env: 'LAZARET_SCANNERS_POLICY_BLOCKED_EXTENSIONS',
        default: [
          'ade',
          'adp',
          'bat',
          'chm',
          'cmd',
          'com',
          'cpl',
          'exe',
          'hta',
          'ins',
          'isp',
          'jar',
          'js',
          'jse',
          'lib',
          'lnk',
          'mde',
          'msc',
          'msi',
          'msp',
          'mst',
          'pif',
          'ps1',
          'reg',
          'scr',
          'sct',
          'shb',
          'shs',
          'vb',
          'vbe',
          'vbs',
          'vxd',
          'wsc',
          'wsf',
          'wsh',
        ],
        description:
          'Attachment file-name extensions (without the dot, any case) that hold a message for policy, also when named inside a zip archive.',
      }),
      blockedMimeTypes: list({
        env: 'LAZARET_SCANNERS_POLICY_BLOCKED_MIME_TYPES',
        default: [
          'application/x-msdownload',
          'application/x-msdos-program',
          'application/x-dosexec',
          'application/vnd.microsoft.portable-executable',
          'application/hta',
        ],
        description: 'MIME types of attachments that hold a message for policy.',
      }),
      inspectArchives: flag({
        env: 'LAZARET_SCANNERS_POLICY_INSPECT_ARCHIVES',
        default: true,
        description: 'Read the file names inside zip attachments and apply blockedExtensions to them.',
      }),
      maxArchiveSize: int(0, 1024 * MB, {
        env: 'LAZARET_SCANNERS_POLICY_MAX_ARCHIVE_SIZE',
        default: 20 * MB,
        description:
          'Most decoded bytes of zip attachments kept per message to read their file names; archives beyond it are noted in the details, not opened.',
      }),
      maxSize: int(0, 1024 * MB, {
        env: 'LAZARET_SCANNERS_POLICY_MAX_SIZE',
        default: 0,
        description: 'Messages larger than this many bytes are held for policy; 0 means no limit.',
      }),
      senderBlock: list({
        env: 'LAZARET_SCANNERS_POLICY_SENDER_BLOCK',
        default: [],
        description:
          'Blocked senders: `sender` for every tenant or `tenant:sender` for one recipient domain; sender is an address or a domain (`example.com` or `@example.com`). Matches the envelope sender and the From address.',
      }),
      senderAllow: list({
        env: 'LAZARET_SCANNERS_POLICY_SENDER_ALLOW',
        default: [],
        description:
          'Allowed senders, same form as senderBlock: their mail is not held for spam or bulk (malware and blocked attachments still are). Matches the envelope sender only.',
      }),
    }),
    rspamd: Type.Object({
      url: text({
        nonEmpty: true,
        env: 'LAZARET_SCANNERS_RSPAMD_URL',
        default: 'http://127.0.0.1:11333',
        description: "Base URL of rspamd's normal worker; the message is posted to `<url>/checkv2`.",
      }),
      controllerUrl: text({
        nonEmpty: true,
        env: 'LAZARET_SCANNERS_RSPAMD_CONTROLLER_URL',
        default: 'http://127.0.0.1:11334',
        description:
          "Base URL of rspamd's controller worker, which learning teaches (`/learnham`, `/learnspam`; port 11334 by default).",
        alias: { path: 'learning.rspamdUrl', env: 'LAZARET_LEARNING_RSPAMD_URL' },
      }),
      password: Type.Optional(
        text({
          env: 'LAZARET_SCANNERS_RSPAMD_PASSWORD',
          secret: true,
          description:
            "Sent as the `Password` header when set: the controller's enable_password, which learning needs unless Lazaret's address is in secure_ip (the normal worker ignores it).",
          alias: { path: 'learning.rspamdPassword', env: 'LAZARET_LEARNING_RSPAMD_PASSWORD' },
        }),
      ),
      timeoutMs: int(10, 600_000, {
        env: 'LAZARET_SCANNERS_RSPAMD_TIMEOUT_MS',
        default: 15_000,
        description: 'Time limit of one rspamd check.',
      }),
      holdActions: list({
        env: 'LAZARET_SCANNERS_RSPAMD_HOLD_ACTIONS',
        default: ['reject', 'add header', 'rewrite subject'],
        description:
          'rspamd actions that hold the message as spam (others, such as greylist and no action, pass).',
      }),
      maxSize: int(1024, 1024 * MB, {
        env: 'LAZARET_SCANNERS_RSPAMD_MAX_SIZE',
        default: 50 * MB,
        description: 'Larger messages are not sent to rspamd (noted in the details as skipped).',
      }),
    }),
    spamassassin: Type.Object({
      host: text({
        nonEmpty: true,
        env: 'LAZARET_SCANNERS_SPAMASSASSIN_HOST',
        default: '127.0.0.1',
        description:
          'Host of spamd, for scanning and for learning (TELL, as `spamc --learntype` does; spamd needs --allow-tell).',
        alias: { path: 'learning.spamdHost', env: 'LAZARET_LEARNING_SPAMD_HOST' },
      }),
      port: port({
        env: 'LAZARET_SCANNERS_SPAMASSASSIN_PORT',
        default: 783,
        description: 'Port of spamd.',
        alias: { path: 'learning.spamdPort', env: 'LAZARET_LEARNING_SPAMD_PORT' },
      }),
      user: Type.Optional(
        text({
          env: 'LAZARET_SCANNERS_SPAMASSASSIN_USER',
          description:
            "User name sent to spamd: whose preferences scans use and whose Bayes database learning teaches; spamd's default when unset.",
          alias: { path: 'learning.spamdUser', env: 'LAZARET_LEARNING_SPAMD_USER' },
        }),
      ),
      timeoutMs: int(10, 600_000, {
        env: 'LAZARET_SCANNERS_SPAMASSASSIN_TIMEOUT_MS',
        default: 30_000,
        description: 'Time limit of one spamd check.',
      }),
      maxSize: int(1024, 1024 * MB, {
        env: 'LAZARET_SCANNERS_SPAMASSASSIN_MAX_SIZE',
        default: 512_000,
        description:
          'Larger messages are not sent to spamd (as spamc does), noted in the details as skipped.',
      }),
    }),
    clamav: Type.Object({
      host: text({
        nonEmpty: true,
        env: 'LAZARET_SCANNERS_CLAMAV_HOST',
        default: '127.0.0.1',
        description: 'Host of clamd (TCPSocket).',
      }),
      port: port({ env: 'LAZARET_SCANNERS_CLAMAV_PORT', default: 3310, description: 'Port of clamd.' }),
      socket: Type.Optional(
        text({
          env: 'LAZARET_SCANNERS_CLAMAV_SOCKET',
          description: "Path of clamd's local (unix) socket; when set it is used instead of host and port.",
        }),
      ),
      timeoutMs: int(10, 600_000, {
        env: 'LAZARET_SCANNERS_CLAMAV_TIMEOUT_MS',
        default: 30_000,
        description: 'Time limit of one clamd scan.',
      }),
      maxSize: int(1024, 4096 * MB, {
        env: 'LAZARET_SCANNERS_CLAMAV_MAX_SIZE',
        default: 25 * MB,
        description:
          "Keep at or below clamd's StreamMaxLength: larger messages are not streamed (noted in the details as skipped) instead of failing mid-stream.",
      }),
      chunkSize: int(1024, 16 * MB, {
        env: 'LAZARET_SCANNERS_CLAMAV_CHUNK_SIZE',
        default: 65_536,
        description: 'Largest INSTREAM chunk sent to clamd.',
      }),
    }),
  }),
  retention: Type.Object({
    spamDays: retentionDays('spam'),
    malwareDays: retentionDays('malware'),
    phishDays: retentionDays('phish'),
    policyDays: retentionDays('policy'),
    bulkDays: retentionDays('bulk'),
    manualDays: retentionDays('manual'),
    purgeIntervalSeconds: int(0, 604_800, {
      env: 'LAZARET_RETENTION_PURGE_INTERVAL_SECONDS',
      default: 3600,
      description:
        'How often `serve` runs the purge worker; 0 turns it off (run `lazaret purge` from cron instead).',
    }),
    batchSize: int(1, 10_000, {
      env: 'LAZARET_RETENTION_BATCH_SIZE',
      default: 500,
      description: 'Items expired per purge batch; each batch is one bounded read and its writes.',
    }),
  }),
});

/** The validated configuration every part of Lazaret is given. */
export type Config = Static<typeof ConfigSchema>;
export type LogLevel = Config['log']['level'];
export type ScannersConfig = Config['scanners'];
export type ScannerName = ScannersConfig['enabled'][number];
export type RetentionConfig = Config['retention'];

/** Whether `schema` is an object of further keys rather than one key. */
export function isSection(schema: TSchema): schema is TSchema & { properties: Record<string, TSchema> } {
  return Type.IsObject(schema);
}
