import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { mustEnrolTotp } from '../../auth/access-policy.js';
import type { AuthDeps } from '../../auth/authenticate.js';
import { login, logout } from '../../auth/authenticate.js';
import type { OidcProviders } from '../../auth/oidc/oidc-providers.js';
import { oidcLogoutUrl } from '../../auth/oidc/oidc-sign-in.js';
import type { RateLimits } from '../../auth/rate-limits.js';
import { LazaretError } from '../../core/errors.js';
import type { UserStore } from '../../store/user-store.js';
import { presentUser } from '../presenters.js';
import { CSRF_HEADER, cookieOptions, SESSION_COOKIE } from '../request-actor.js';
import { errorResponses, ScopeSchema, SecondFactorCode } from '../schemas.js';
import { decodeCookie, OIDC_SESSION_COOKIE } from './oidc.js';

const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    code: Type.Optional(SecondFactorCode),
  },
  { additionalProperties: false },
);

const SessionAnswer = Type.Object({
  user: Type.Ref('User'),
  csrfToken: Type.String({
    description: `Send it in the ${CSRF_HEADER} header with every POST, PATCH and DELETE.`,
  }),
  expiresAt: Type.String({ format: 'date-time' }),
  totpEnrolmentRequired: Type.Boolean({
    description:
      'Whether the caller must set up a second factor before anything else (auth.requireTotpForAdmins).',
  }),
});

export const authRoutes =
  (
    context: {
      auth: AuthDeps;
      users: Pick<UserStore, 'getUser'>;
      now: () => Date;
      oidcProviders: OidcProviders;
      publicUrl: () => string;
    },
    limits: RateLimits,
  ): FastifyPluginAsyncTypebox =>
  async (app) => {
    const deps = context.auth;

    app.post(
      '/api/auth/login',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary:
            'Sign in; sets the session cookie and answers the CSRF token. An account with a second factor answers 401 totp_required until the request also carries `code`; with auth.requireSso a local password answers 403 sso_required (except for auth.breakGlassAdmins).',
          security: [],
          body: LoginBody,
          response: { 200: SessionAnswer, ...errorResponses(400, 401, 403, 429, 503) },
        },
      },
      async (request, reply) => {
        const { session, cookieValue, user } = await login(deps, limits, {
          email: request.body.email,
          password: request.body.password,
          code: request.body.code,
          ip: request.ip,
        });
        const maxAge = Math.floor((Date.parse(session.expiresAt) - context.now().getTime()) / 1000);
        reply.setCookie(SESSION_COOKIE, cookieValue, cookieOptions(request, maxAge));
        return {
          user: presentUser(user),
          csrfToken: session.csrfToken,
          expiresAt: session.expiresAt,
          totpEnrolmentRequired: mustEnrolTotp(user, deps.requireTotpForAdmins ?? false),
        };
      },
    );

    app.post(
      '/api/auth/logout',
      {
        config: { scope: 'read', beforeSecondFactor: true },
        schema: {
          tags: ['auth'],
          summary:
            'Sign out: the session ends on the server and its cookie is cleared. A session from an OpenID Connect provider that offers RP-initiated logout answers 200 with the URL that ends the provider session too.',
          response: {
            200: Type.Object({ endSessionUrl: Type.String() }),
            204: Type.Null(),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request, reply) => {
        if (!request.session) {
          throw new LazaretError(
            'validation_error',
            'Signing out ends a session; API tokens are revoked with DELETE /api/tokens/:id or `lazaret token revoke`.',
          );
        }
        await logout(deps, request.actor, request.session, request.ip);
        reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
        const sso = decodeCookie<{ provider: string; idToken?: string }>(
          request.cookies[OIDC_SESSION_COOKIE],
          (value) => typeof value.provider === 'string',
        );
        if (!sso) return reply.status(204).send(null);
        reply.clearCookie(OIDC_SESSION_COOKIE, { ...cookieOptions(request), path: '/api/auth' });
        const endSessionUrl = await oidcLogoutUrl(
          { providers: context.oidcProviders },
          {
            providerId: sso.provider,
            idToken: sso.idToken,
            postLogoutRedirectUri: `${context.publicUrl().replace(/\/+$/, '')}/sign-in`,
          },
        ).catch(() => null);
        if (!endSessionUrl) return reply.status(204).send(null);
        return { endSessionUrl };
      },
    );

    app.get(
      '/api/auth/me',
      {
        config: { scope: 'read', beforeSecondFactor: true },
        schema: {
          tags: ['auth'],
          summary: 'Who the caller is: user, role, scopes, and for sessions the CSRF token.',
          response: {
            200: Type.Object({
              kind: Type.Enum(['user', 'token']),
              user: Type.Ref('User'),
              scopes: Type.Array(ScopeSchema),
              releaseMode: Type.Optional(Type.Enum(['release', 'request'])),
              csrfToken: Type.Optional(Type.String()),
              expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
              tokenId: Type.Optional(Type.String()),
              totpEnrolmentRequired: Type.Boolean({
                description:
                  'Whether the caller must set up a second factor before anything else (auth.requireTotpForAdmins).',
              }),
            }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const actor = request.actor;
        const user = await context.users.getUser(actor.userId ?? '');
        if (!user) throw new LazaretError('unauthenticated', 'The account no longer exists.');
        return {
          kind: actor.kind === 'token' ? ('token' as const) : ('user' as const),
          user: presentUser(user),
          scopes: [...actor.scopes],
          ...(actor.releaseMode ? { releaseMode: actor.releaseMode } : {}),
          ...(request.session
            ? { csrfToken: request.session.csrfToken, expiresAt: request.session.expiresAt }
            : {}),
          ...(actor.kind === 'token' ? { tokenId: actor.id } : {}),
          totpEnrolmentRequired:
            actor.kind === 'user' && mustEnrolTotp(user, context.auth.requireTotpForAdmins ?? false),
        };
      },
    );
  };
