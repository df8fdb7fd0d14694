import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { canManageUser, userScope } from '../../auth/access-policy.js';
import { parseDuration } from '../../auth/duration.js';
import type { UserAdminDeps } from '../../auth/user-admin.js';
import {
  createToken,
  createUser,
  revokeToken,
  setDisabled,
  setPassword,
  unlinkIdentity,
  updateUser,
} from '../../auth/user-admin.js';
import { LazaretError } from '../../core/errors.js';
import type { UserRecord } from '../../store/user-store.js';
import { presentToken, presentUser } from '../presenters.js';
import { originOf } from '../request-actor.js';
import {
  errorResponses,
  Int,
  ReleaseModeSchema,
  RoleSchema,
  ScopeSchema,
  TokenIdParams,
  UserIdParams,
} from '../schemas.js';

const Password = Type.String({ minLength: 10, maxLength: 1024 });
const Addresses = Type.Array(Type.String({ maxLength: 320 }), { maxItems: 1000 });
const Domains = Type.Array(Type.String({ maxLength: 253 }), { maxItems: 1000 });

/** What the user and token routes use. */
export type UserRouteDeps = UserAdminDeps;

/** A user the actor may manage, or 404: users outside a domain admin's domains do not exist for them. */
async function manageableUser(
  context: UserRouteDeps,
  request: FastifyRequest,
  id: string,
): Promise<UserRecord> {
  const user = await context.users.getUser(id);
  if (!user || !canManageUser(request.actor, user)) {
    throw new LazaretError('not_found', 'No such user.', { userId: id });
  }
  return user;
}

export const userRoutes =
  (context: UserRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/users',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['users'],
          summary: 'Users by email: all for admins, those of their domains for domain admins.',
          querystring: Type.Object({
            role: Type.Optional(RoleSchema),
            limit: Int({ minimum: 1, maximum: 500, default: 50 }),
            cursor: Type.Optional(Type.String({ maxLength: 500 })),
          }),
          response: {
            200: Type.Object({
              users: Type.Array(Type.Ref('User')),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => {
        const page = await context.users.listUsers(
          { ...(request.query.role ? { role: request.query.role } : {}), ...userScope(request.actor) },
          { limit: request.query.limit, cursor: request.query.cursor },
        );
        return { users: page.items.map(presentUser), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/users',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['users'],
          summary: 'Create a user; without a password one is generated and answered once.',
          body: Type.Object(
            {
              email: Type.String({ maxLength: 320 }),
              displayName: Type.Optional(Type.String({ maxLength: 200 })),
              role: RoleSchema,
              domains: Type.Optional(Domains),
              addresses: Type.Optional(Addresses),
              password: Type.Optional(Password),
              releaseMode: Type.Optional(Type.Union([ReleaseModeSchema, Type.Null()])),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ user: Type.Ref('User'), password: Type.Optional(Type.String()) }),
            ...errorResponses(400, 401, 403, 409),
          },
        },
      },
      async (request, reply) => {
        const { user, generatedPassword } = await createUser(context, originOf(request), request.body);
        return reply.status(201).send({
          user: presentUser(user),
          ...(generatedPassword === undefined ? {} : { password: generatedPassword }),
        });
      },
    );

    app.get(
      '/api/users/:id',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['users'],
          summary: 'One user.',
          params: UserIdParams,
          response: { 200: Type.Object({ user: Type.Ref('User') }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        userScope(request.actor);
        return { user: presentUser(await manageableUser(context, request, request.params.id)) };
      },
    );

    app.patch(
      '/api/users/:id',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['users'],
          summary:
            'Change a user: profile and role fields, `disabled` (ends their sessions), or `password` (ends their sessions). Each kind of change is one audit entry.',
          params: UserIdParams,
          body: Type.Object(
            {
              displayName: Type.Optional(Type.String({ maxLength: 200 })),
              role: Type.Optional(RoleSchema),
              domains: Type.Optional(Domains),
              addresses: Type.Optional(Addresses),
              releaseMode: Type.Optional(Type.Union([ReleaseModeSchema, Type.Null()])),
              disabled: Type.Optional(Type.Boolean()),
              password: Type.Optional(Password),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: {
            200: Type.Object({ user: Type.Ref('User') }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) => {
        userScope(request.actor);
        let user = await manageableUser(context, request, request.params.id);
        const { disabled, password, ...profile } = request.body;
        const origin = originOf(request);
        if (Object.keys(profile).length > 0) user = await updateUser(context, origin, user.id, profile);
        if (password !== undefined) user = (await setPassword(context, origin, user.id, password)).user;
        if (disabled !== undefined && disabled !== user.disabled) {
          user = await setDisabled(context, origin, user.id, disabled);
        }
        return { user: presentUser(user) };
      },
    );

    app.delete(
      '/api/users/:id/identity',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['users'],
          summary:
            'Unlink a user from their identity at a sign-in provider (the person left and the provider gave their email to someone else): ends their sessions; the next sign-in with the email links the account again. Audited as `user.update` with `params.link: "unlinked"`; a user without a link is answered unchanged.',
          params: UserIdParams,
          response: {
            200: Type.Object({ user: Type.Ref('User') }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        userScope(request.actor);
        const target = await manageableUser(context, request, request.params.id);
        const { user } = await unlinkIdentity(context, originOf(request), target.id);
        return { user: presentUser(user) };
      },
    );

    app.post(
      '/api/users/:id/password',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['users'],
          summary:
            'Reset a user’s password: the one given, or a generated one answered once (`password`). Ends their sessions; audited as `user.password`.',
          params: UserIdParams,
          body: Type.Optional(
            Type.Union([
              Type.Object({ password: Type.Optional(Password) }, { additionalProperties: false }),
              Type.Null(),
            ]),
          ),
          response: {
            200: Type.Object({
              user: Type.Ref('User'),
              password: Type.Optional(
                Type.String({ description: 'The generated password; shown only here.' }),
              ),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        userScope(request.actor);
        const target = await manageableUser(context, request, request.params.id);
        const { user, generatedPassword } = await setPassword(
          context,
          originOf(request),
          target.id,
          request.body?.password,
        );
        return {
          user: presentUser(user),
          ...(generatedPassword === undefined ? {} : { password: generatedPassword }),
        };
      },
    );

    app.get(
      '/api/users/:id/tokens',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['tokens'],
          summary: "A user's API tokens, newest first (revoked and expired ones included).",
          params: UserIdParams,
          querystring: Type.Object({
            limit: Int({ minimum: 1, maximum: 500, default: 50 }),
            cursor: Type.Optional(Type.String({ maxLength: 500 })),
          }),
          response: {
            200: Type.Object({
              tokens: Type.Array(Type.Ref('Token')),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        userScope(request.actor);
        const user = await manageableUser(context, request, request.params.id);
        const page = await context.users.listTokens(
          { userId: user.id },
          { limit: request.query.limit, cursor: request.query.cursor },
        );
        return { tokens: page.items.map(presentToken), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/users/:id/tokens',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['tokens'],
          summary: 'Create an API token for the user; the secret is in this answer only.',
          params: UserIdParams,
          body: Type.Object(
            {
              scope: ScopeSchema,
              name: Type.Optional(Type.String({ maxLength: 100 })),
              expires: Type.Optional(
                Type.String({ maxLength: 10, description: 'Lifetime such as 90m, 12h, 30d, 2w.' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ token: Type.Ref('Token'), secret: Type.String() }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        userScope(request.actor);
        const user = await manageableUser(context, request, request.params.id);
        const { token, secret } = await createToken(context, originOf(request), {
          user: user.id,
          scope: request.body.scope,
          name: request.body.name,
          expiresInMs: request.body.expires === undefined ? undefined : parseDuration(request.body.expires),
        });
        return reply.status(201).send({ token: presentToken(token), secret });
      },
    );
  };

export const tokenRoutes =
  (context: UserRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.delete(
      '/api/tokens/:id',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['tokens'],
          summary: 'Revoke an API token; it is refused from now on.',
          params: TokenIdParams,
          response: { 200: Type.Object({ token: Type.Ref('Token') }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        userScope(request.actor);
        return { token: presentToken(await revokeToken(context, originOf(request), request.params.id)) };
      },
    );
  };
