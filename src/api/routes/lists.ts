import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ListAdminDeps } from '../../lists/list-admin.js';
import { listEntries, putListEntry, removeListEntry } from '../../lists/list-admin.js';
import { LIST_ACTIONS, type SenderListEntry } from '../../store/sender-list-store.js';
import { originOf } from '../request-actor.js';
import { errorResponses, IdString, Int } from '../schemas.js';

const ScopeKind = Type.Enum(['user', 'domain', 'global'], {
  description: 'Whose list: a user (default: your own), a recipient domain, or everyone.',
});
const Action = Type.Enum([...LIST_ACTIONS], {
  description: 'allow: spam and bulk verdicts do not hold the sender. block: the sender is always held.',
});
const Sender = Type.String({
  minLength: 1,
  maxLength: 320,
  description: 'An address (news@shop.example) or a domain (shop.example, also its subdomains).',
});
const Id = IdString('List entry id (ULID).');

const ListEntrySchema = Type.Object({
  id: Type.String(),
  scope: ScopeKind,
  userId: Type.Optional(Type.String()),
  domain: Type.Optional(Type.String()),
  action: Action,
  sender: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
});

function presentEntry(entry: SenderListEntry) {
  return {
    id: entry.id,
    scope: entry.scope.kind,
    ...(entry.scope.kind === 'user' ? { userId: entry.scope.userId } : {}),
    ...(entry.scope.kind === 'domain' ? { domain: entry.scope.domain } : {}),
    action: entry.action,
    sender: entry.sender,
    updatedAt: entry.updatedAt,
    updatedBy: entry.updatedBy,
  };
}

/** What the sender list routes use. */
export type ListRouteDeps = ListAdminDeps;

/**
 * Sender allow and block lists: people manage their own; domain admins those of their domains and of
 * the users they manage; admins every list including the global one. The policy scanner reads them
 * (precedence: user over domain over global; block over allow within one).
 */
export const listRoutes =
  (context: ListRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/lists',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['lists'],
          summary:
            "Allow and block list entries, newest first. Without `scope`: your own list (domain admins: their domains' lists; admins: every list).",
          querystring: Type.Object({
            scope: Type.Optional(ScopeKind),
            userId: Type.Optional(Id),
            domain: Type.Optional(Type.String({ maxLength: 253 })),
            action: Type.Optional(Action),
            sender: Type.Optional(Sender),
            limit: Int({ minimum: 1, maximum: 500, default: 50 }),
            cursor: Type.Optional(Type.String({ maxLength: 500 })),
          }),
          response: {
            200: Type.Object({
              entries: Type.Array(ListEntrySchema),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const query = request.query;
        const page = await listEntries(
          context,
          request.actor,
          {
            ...(query.scope
              ? { target: { scope: query.scope, userId: query.userId, domain: query.domain } }
              : {}),
            ...(query.action ? { action: query.action } : {}),
            ...(query.sender ? { sender: query.sender } : {}),
          },
          { limit: query.limit, cursor: query.cursor },
        );
        return { entries: page.items.map(presentEntry), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/lists',
      {
        config: { scope: 'release' },
        schema: {
          tags: ['lists'],
          summary:
            'Allow or block a sender. One entry per list and sender: putting a sender again changes its action (201 when new, 200 when changed).',
          body: Type.Object(
            {
              scope: Type.Optional(ScopeKind),
              userId: Type.Optional(Id),
              domain: Type.Optional(Type.String({ maxLength: 253 })),
              action: Action,
              sender: Sender,
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ entry: ListEntrySchema, previousAction: Type.Optional(Action) }),
            201: Type.Object({ entry: ListEntrySchema }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const result = await putListEntry(
          context,
          { ...originOf(request), actor: request.actor },
          {
            scope: body.scope ?? 'user',
            userId: body.userId,
            domain: body.domain,
            action: body.action,
            sender: body.sender,
          },
        );
        if (result.previous === null) return reply.status(201).send({ entry: presentEntry(result.entry) });
        return { entry: presentEntry(result.entry), previousAction: result.previous.action };
      },
    );

    app.delete(
      '/api/lists/:id',
      {
        config: { scope: 'release' },
        schema: {
          tags: ['lists'],
          summary: 'Remove an allow or block entry from a list you manage.',
          params: Type.Object({ id: Id }),
          response: { 200: Type.Object({ entry: ListEntrySchema }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => ({
        entry: presentEntry(
          await removeListEntry(context, { ...originOf(request), actor: request.actor }, request.params.id),
        ),
      }),
    );
  };
