import { Type } from 'typebox';
import { RELEASE_MODES, ROLES, TOKEN_SCOPES } from '../auth/actor.js';
import { ITEM_STATUSES, REASONS } from '../core/types.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

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
      }),
    ),
    lastError: Nullable(ItemErrorSchema),
    version: Type.Integer(),
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
    }),
    attachments: Type.Array(
      Type.Object({
        filename: Type.Optional(Type.String()),
        contentType: Type.String(),
        size: Type.Integer(),
      }),
    ),
    parseProblems: Type.Array(Type.String()),
  },
  { $id: 'Message' },
);

export const ItemIdParams = Type.Object({
  id: Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$', description: 'Item id (ULID).' }),
});

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, Type.Ref('ErrorBody')]));

export const RoleSchema = Type.Enum([...ROLES]);
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
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'User' },
);

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

export const UserIdParams = Type.Object({
  id: Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$', description: 'User id (ULID).' }),
});

export const TokenIdParams = Type.Object({
  id: Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$', description: 'Token id (ULID).' }),
});
