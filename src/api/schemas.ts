import { Type } from 'typebox';
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
