import { type TNumberOptions, Type } from 'typebox';
import { OFFERED_ACTIONS } from '../auth/access-policy.js';
import { RELEASE_MODES, ROLES, TOKEN_SCOPES } from '../core/actor.js';
import { ID_PATTERN } from '../core/ids.js';
import { LANGUAGES } from '../core/languages.js';
import { OUTCOME_CODES } from '../core/outcomes.js';
import { ITEM_STATUSES, REASONS } from '../core/types.js';
import { JOB_ACTIONS, JOB_STATES } from '../store/job-store.js';
import { FINITE_KEYWORD } from './finite-numbers.js';

/**
 * Every integer a request carries (query, path or body): finite and within both bounds, else
 * `400 validation_error`. Use it instead of `Type.Integer` for any input; a test walks the OpenAPI
 * document to check that.
 */
export const Int = (options: TNumberOptions & { minimum: number; maximum: number }) =>
  Type.Integer({ ...options, [FINITE_KEYWORD]: true });

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(
  schema: T,
  options?: { description: string },
) => Type.Union([schema, Type.Null()], options);

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code; see docs/errors.md.' }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'ErrorBody' },
);

export const ReasonSchema = Type.Enum([...REASONS]);
export const StatusSchema = Type.Enum([...ITEM_STATUSES]);

const ItemErrorSchema = Type.Object({
  code: Type.String(),
  detail: Type.String(),
  at: Type.String({ format: 'date-time' }),
  reply: Type.Optional(Type.String()),
  attempts: Type.Optional(Type.Integer()),
});

export const ItemSchema = Type.Object(
  {
    id: Type.String(),
    messageId: Type.String(),
    recipient: Type.String(),
    sender: Type.String(),
    from: Type.Optional(Type.String()),
    subject: Type.Optional(Type.String()),
    size: Type.Integer(),
    hasAttachments: Type.Boolean(),
    reason: ReasonSchema,
    score: Nullable(Type.Number()),
    details: Type.Record(Type.String(), Type.Unknown()),
    status: StatusSchema,
    receivedAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    expiresAt: Nullable(Type.String({ format: 'date-time' })),
    release: Nullable(
      Type.Object({
        to: Type.Array(Type.String()),
        by: Type.String(),
        at: Type.String({ format: 'date-time' }),
        reply: Type.String(),
        attempts: Type.Optional(Type.Integer()),
        jobId: Type.Optional(Type.String()),
      }),
    ),
    lastError: Nullable(ItemErrorSchema),
    version: Type.Integer(),
    allowedActions: Type.Array(Type.Enum([...OFFERED_ACTIONS]), {
      description:
        'What the caller may do with the item now, by the access policy, their credential and the item’s status: `release`, `request_release`, `approve_release`, `deny_release` (the routes of those names), `force_release` (the release route with `force: true`, which also sends a released or interrupted item again), `delete`, `download_attachment`. Any other action is refused (403 `forbidden` or `insufficient_scope`, or 409 for the status).',
    }),
  },
  { $id: 'Item' },
);

export const MessageSchema = Type.Object(
  {
    id: Type.String(),
    receivedAt: Type.String({ format: 'date-time' }),
    size: Type.Integer(),
    sha256: Type.String(),
    envelope: Type.Object({ mailFrom: Type.String(), rcptTo: Type.Array(Type.String()) }),
    headers: Type.Object({
      from: Type.Optional(Type.String()),
      fromAddress: Type.Optional(Type.String()),
      to: Type.Optional(Type.String()),
      cc: Type.Optional(Type.String()),
      subject: Type.Optional(Type.String()),
      messageId: Type.Optional(Type.String()),
      date: Type.Optional(Type.String()),
      authResults: Type.Optional(
        Type.Array(
          Type.Object({
            method: Type.Enum(['spf', 'dkim', 'dmarc', 'arc']),
            result: Type.String(),
            detail: Type.Optional(Type.String()),
          }),
          {
            description:
              'SPF, DKIM, DMARC and ARC results of the topmost Authentication-Results header, when the SMTP client that handed the message over is trusted (`scanners.headers.trustedHosts`).',
          },
        ),
      ),
    }),
    attachments: Type.Array(
      Type.Object({
        filename: Type.Optional(Type.String()),
        contentType: Type.String(),
        size: Type.Integer(),
      }),
    ),
    parseProblems: Type.Array(Type.String()),
    remoteAddress: Type.Optional(
      Type.String({
        description:
          'Address of the SMTP client that sent the message; behind Postfix, the original client it forwarded with XFORWARD.',
      }),
    ),
    heloName: Type.Optional(Type.String({ description: 'The HELO/EHLO name that client gave.' })),
    queueId: Type.Optional(
      Type.String({
        description:
          "The upstream MTA's queue id (Postfix's XFORWARD IDENT): the id in Postfix's log and in Lazaret's INGEST_DECISION line.",
      }),
    ),
  },
  { $id: 'Message' },
);

/** An id in a path or body: the exact ULID form, nothing the validator would have to coerce. */
export const IdString = (description: string) => Type.String({ pattern: ID_PATTERN, description });

/**
 * A position (0, 1, 2 …) in a path: decimal digits without sign, leading zero, exponent or hex, so
 * `0x1`, `1e0`, `01` and ` 1` are refused instead of read as 1 (a number-typed path parameter would
 * be coerced by the validator). The handler reads it with `Number`.
 */
export const IndexString = (description: string) =>
  Type.String({ pattern: '^(0|[1-9][0-9]{0,8})$', description });

/** A mail address as a client gives it; the route takes its canonical form (core/address.ts) or answers `address_invalid`. */
export const AddressString = (description?: string) =>
  Type.String({ minLength: 3, maxLength: 320, ...(description ? { description } : {}) });

export const ItemIdParams = Type.Object({ id: IdString('Item id (ULID).') });

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, Type.Ref('ErrorBody')]));

export const OutcomeCodeSchema = Type.Enum([...OUTCOME_CODES], {
  description: 'Stable outcome of one item; see docs/bulk.md.',
});

const CountersSchema = Type.Object(
  Object.fromEntries(OUTCOME_CODES.map((code) => [code, Type.Integer()])) as Record<
    (typeof OUTCOME_CODES)[number],
    ReturnType<typeof Type.Integer>
  >,
);

export const JobSchema = Type.Object(
  {
    id: Type.String(),
    url: Type.String({ description: 'Where to read the job.' }),
    action: Type.Enum([...JOB_ACTIONS]),
    state: Type.Enum([...JOB_STATES]),
    selection: Type.Union([
      Type.Object({ kind: Type.Literal('ids') }),
      Type.Object({ kind: Type.Literal('query'), query: Type.String() }),
    ]),
    options: Type.Object({ force: Type.Boolean(), recipients: Nullable(Type.Array(Type.String())) }),
    owner: Type.Object({ id: Type.String(), label: Type.String() }),
    total: Type.Integer({ description: 'Items in the selection (final once selectionComplete).' }),
    selectionComplete: Type.Boolean(),
    processed: Type.Integer({ description: 'Items with an outcome.' }),
    counters: CountersSchema,
    cursor: Type.Integer({ description: 'Every item up to this position has its outcome stored.' }),
    cancelRequested: Type.Boolean(),
    stats: Nullable(
      Type.Object({
        window: Type.Object({
          initial: Type.Integer(),
          current: Type.Integer(),
          min: Type.Integer(),
          max: Type.Integer(),
          shrinks: Type.Integer(),
          grows: Type.Integer(),
        }),
        throttled: Type.Integer(),
        smtpTransactions: Type.Integer(),
        elapsedMs: Type.Integer(),
        itemsPerSecond: Type.Number(),
      }),
    ),
    error: Nullable(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    startedAt: Nullable(Type.String({ format: 'date-time' })),
    finishedAt: Nullable(Type.String({ format: 'date-time' })),
  },
  { $id: 'Job' },
);

export const JobItemSchema = Type.Object(
  {
    seq: Type.Integer(),
    itemId: Type.String(),
    outcome: Nullable(
      Type.Object({
        code: OutcomeCodeSchema,
        message: Type.String(),
        status: Type.Optional(StatusSchema),
        reply: Type.Optional(Type.String()),
        attempts: Type.Optional(Type.Integer()),
        at: Type.String({ format: 'date-time' }),
      }),
    ),
  },
  { $id: 'JobItem' },
);

export const CompatResultSchema = Type.Object(
  {
    success: Type.Boolean({ description: 'True only when every item succeeded.' }),
    results: Type.Array(
      Type.Object({
        messageId: Type.String({ description: 'The item id (named as in the original API).' }),
        success: Type.Literal(true),
        status: Type.String(),
      }),
    ),
    errors: Type.Array(
      Type.Object({
        messageId: Type.String({ description: 'The item id (named as in the original API).' }),
        error: Type.String(),
        code: OutcomeCodeSchema,
        reply: Type.Optional(Type.String({ description: "The mail server's reply, for delivery errors." })),
      }),
    ),
    summary: Type.Object({
      requested: Type.Integer({ description: 'Distinct ids.' }),
      succeeded: Type.Integer(),
      failed: Type.Integer(),
      duplicates: Type.Integer({ description: 'Repeated ids, processed once.' }),
    }),
  },
  { $id: 'BulkResult' },
);
export const RoleSchema = Type.Enum([...ROLES]);
export const LanguageSchema = Type.Enum([...LANGUAGES]);
export const ScopeSchema = Type.Enum([...TOKEN_SCOPES]);
export const ReleaseModeSchema = Type.Enum([...RELEASE_MODES]);

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    displayName: Type.String(),
    role: RoleSchema,
    domains: Type.Array(Type.String(), { description: 'Domains a domain admin manages.' }),
    addresses: Type.Array(Type.String(), { description: "A user's addresses: primary first, then aliases." }),
    disabled: Type.Boolean(),
    releaseMode: Nullable(ReleaseModeSchema),
    language: Nullable(LanguageSchema, {
      description:
        'The language the user chose for the web UI and their digests; null: none (their browser, then i18n.defaultLanguage).',
    }),
    totp: Type.Enum(['active', 'pending', 'none', 'unavailable'], {
      description:
        'Second factor: active, pending (enrolment not confirmed yet), none, or unavailable (accounts from a directory or an identity provider).',
    }),
    identity: Nullable(
      Type.Object({
        method: Type.Enum(['oidc', 'ldap']),
        provider: Type.String({
          description: 'The id of the sign-in provider (`auth.oidc.providers[].id`).',
        }),
      }),
      {
        description:
          'The identity at a sign-in provider this account is linked to (later sign-ins find it by that, not by email); null: none.',
      },
    ),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'User' },
);

/** A TOTP code (6 digits) or a recovery code (`abcde-fghjk`). */
export const SecondFactorCode = Type.String({
  minLength: 6,
  maxLength: 32,
  pattern: '^[0-9A-Za-z -]+$',
  description: 'The current code of the authenticator app, or one of the recovery codes.',
});

export const TotpEnrolment = Type.Object({
  secret: Type.String({ description: 'The shared secret, Base32: type it into an app that cannot scan.' }),
  otpauthUri: Type.String({ description: 'The otpauth:// URI an authenticator app scans as a QR code.' }),
});

export const TotpCodeBody = Type.Object({ code: SecondFactorCode }, { additionalProperties: false });

export const RecoveryCodes = Type.Object({
  recoveryCodes: Type.Array(Type.String(), {
    description: 'Each signs in once instead of a code; shown only in this answer.',
  }),
});

export const TokenSchema = Type.Object(
  {
    id: Type.String(),
    userId: Type.String(),
    name: Type.String(),
    scope: ScopeSchema,
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Nullable(Type.String({ format: 'date-time' })),
    lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
    revokedAt: Nullable(Type.String({ format: 'date-time' })),
  },
  { $id: 'Token' },
);

export const AuditEntrySchema = Type.Object(
  {
    id: Type.String(),
    at: Type.String({ format: 'date-time' }),
    actor: Type.Object({
      kind: Type.Enum(['user', 'token', 'system', 'anonymous']),
      id: Type.String(),
      label: Type.String(),
    }),
    action: Type.String(),
    target: Type.Object({
      itemIds: Type.Optional(Type.Array(Type.String())),
      jobId: Type.Optional(Type.String()),
      userId: Type.Optional(Type.String()),
      userEmail: Type.Optional(
        Type.String({ description: 'The email of the user `userId` names, when that user still exists.' }),
      ),
      tokenId: Type.Optional(Type.String()),
    }),
    tenants: Type.Array(Type.String()),
    params: Type.Record(Type.String(), Type.Unknown()),
    outcome: Type.Enum(['ok', 'failed', 'partial', 'denied']),
    counts: Type.Optional(Type.Record(Type.String(), Type.Integer())),
    ip: Type.Optional(Type.String()),
  },
  { $id: 'AuditEntry' },
);

export const UserIdParams = Type.Object({ id: IdString('User id (ULID).') });

export const TokenIdParams = Type.Object({ id: IdString('Token id (ULID).') });
