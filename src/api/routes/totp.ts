import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { canManageUser, mayResetTotp } from '../../auth/access-policy.js';
import { beginTotp, confirmTotp, removeTotp, type TotpDeps } from '../../auth/totp.js';
import { LazaretError } from '../../core/errors.js';
import type { UserRecord } from '../../store/user-store.js';
import { originOf } from '../request-actor.js';
import { errorResponses, RecoveryCodes, TotpCodeBody, TotpEnrolment, UserIdParams } from '../schemas.js';

/** The signed-in user behind a session: a second factor is set up in person, never with an API token. */
async function sessionUser(context: TotpDeps, request: FastifyRequest): Promise<UserRecord> {
  if (!request.session) {
    throw new LazaretError('validation_error', 'A second factor is managed from a signed-in session.');
  }
  const user = await context.users.getUser(request.session.userId);
  if (!user) throw new LazaretError('unauthenticated', 'The account no longer exists.');
  return user;
}

/** Enrol, confirm and remove the TOTP second factor of local accounts (docs/authentication.md). */
export const totpRoutes =
  (context: TotpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/api/auth/totp/enrol',
      {
        config: { scope: 'read', beforeSecondFactor: true },
        schema: {
          tags: ['auth'],
          summary:
            'Start setting up a TOTP second factor: answers the secret and its otpauth:// URI once; active after /api/auth/totp/confirm.',
          response: { 200: TotpEnrolment, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request) => beginTotp(context, originOf(request), await sessionUser(context, request)),
    );

    app.post(
      '/api/auth/totp/confirm',
      {
        config: { scope: 'read', beforeSecondFactor: true },
        schema: {
          tags: ['auth'],
          summary:
            'Activate the second factor with a first code of the app; answers the recovery codes, shown only this once.',
          body: TotpCodeBody,
          response: { 200: RecoveryCodes, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request) =>
        confirmTotp(context, originOf(request), await sessionUser(context, request), request.body.code),
    );

    app.post(
      '/api/auth/totp/remove',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['auth'],
          summary: 'Remove your own second factor, with a current code or a recovery code.',
          body: TotpCodeBody,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        await removeTotp(context, originOf(request), await sessionUser(context, request), request.body.code);
        return reply.status(204).send(null);
      },
    );

    app.delete(
      '/api/users/:id/totp',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['users'],
          summary:
            "Remove a user's second factor (a lost phone): they sign in with their password alone and may enrol again.",
          params: UserIdParams,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const target = await context.users.getUser(request.params.id);
        if (!target || !canManageUser(request.actor, target)) {
          throw new LazaretError('not_found', 'No such user.', { userId: request.params.id });
        }
        if (!mayResetTotp(request.actor, target)) {
          throw new LazaretError(
            'forbidden',
            'Remove your own second factor with a code (POST /api/auth/totp/remove).',
          );
        }
        await removeTotp(context, originOf(request), target, undefined);
        return reply.status(204).send(null);
      },
    );
  };
