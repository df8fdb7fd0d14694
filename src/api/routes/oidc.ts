import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuthDeps } from '../../auth/authenticate.js';
import type { OidcProviders } from '../../auth/oidc/oidc-providers.js';
import {
  finishOidcSignIn,
  localPath,
  type OidcDeps,
  type OidcFlow,
  startOidcSignIn,
} from '../../auth/oidc/oidc-sign-in.js';
import type { RateLimits } from '../../auth/rate-limits.js';
import { OPEN_SIGN_IN, passwordFormOf } from '../../auth/sign-in-policy.js';
import { LazaretError } from '../../core/errors.js';
import { cookieOptions, SESSION_COOKIE } from '../request-actor.js';
import { errorResponses } from '../schemas.js';

/** The flow between the redirect to the provider and its return; lives ten minutes at most. */
export const OIDC_FLOW_COOKIE = 'lazaret_oidc_flow';
/** Which provider a session came from and its ID token, for RP-initiated logout. */
export const OIDC_SESSION_COOKIE = 'lazaret_oidc';
const FLOW_PATH = '/api/auth/oidc';
const FLOW_MAX_AGE_SECONDS = 600;
const MAX_SSO_COOKIE = 3500;

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A cookie written by `encode`, or null when it is absent or not ours. */
export function decodeCookie<T>(
  value: string | undefined,
  check: (parsed: Record<string, unknown>) => boolean,
): T | null {
  if (value === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && check(parsed as Record<string, unknown>)
      ? (parsed as T)
      : null;
  } catch {
    return null;
  }
}

const isFlow = (value: Record<string, unknown>) =>
  ['provider', 'state', 'nonce', 'codeVerifier', 'next'].every((key) => typeof value[key] === 'string');

/** `/api/auth/oidc/…` under the public address: where a provider sends the browser back. */
export function oidcRedirectUri(publicUrl: string, providerId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${FLOW_PATH}/${providerId}/callback`;
}

const ProviderParams = Type.Object({ provider: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }) });

export const oidcRoutes =
  (
    context: {
      auth: AuthDeps;
      oidcProviders: OidcProviders;
      publicUrl: () => string;
      now: () => Date;
    },
    limits: RateLimits,
  ): FastifyPluginAsyncTypebox =>
  async (app) => {
    const deps: OidcDeps = {
      ...context.auth,
      providers: context.oidcProviders,
      redirectUri: (providerId) => oidcRedirectUri(context.publicUrl(), providerId),
    };
    const flowCookie = (request: FastifyRequest, maxAge?: number) => ({
      ...cookieOptions(request, maxAge),
      path: FLOW_PATH,
    });

    app.get(
      '/api/auth/oidc/providers',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary:
            'How people sign in here (for the sign-in page): the OpenID Connect providers, and whether the password form is for everyone or only for break-glass administrators (auth.requireSso).',
          security: [],
          response: {
            200: Type.Object({
              providers: Type.Array(
                Type.Object({ id: Type.String(), label: Type.String(), startUrl: Type.String() }),
              ),
              passwordForm: Type.Enum(['shown', 'break_glass'], {
                description:
                  '`shown`: the email and password form is for everyone. `break_glass`: single sign-on is required, and the form is only for the administrators of auth.breakGlassAdmins (the page hides it behind a small link).',
              }),
            }),
          },
        },
      },
      async () => ({
        providers: context.oidcProviders.list.map((provider) => ({
          id: provider.id,
          label: provider.label,
          startUrl: `${FLOW_PATH}/${provider.id}/start`,
        })),
        passwordForm: passwordFormOf(context.auth.signInPolicy ?? OPEN_SIGN_IN),
      }),
    );

    app.get(
      '/api/auth/oidc/:provider/start',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary: 'Starts signing in with an OpenID Connect provider: redirects the browser to it.',
          security: [],
          params: ProviderParams,
          querystring: Type.Object({
            next: Type.Optional(
              Type.String({ maxLength: 2000, description: 'Path of the web UI to open after signing in.' }),
            ),
          }),
          response: { 302: Type.Null(), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const { url, flow } = await startOidcSignIn(deps, request.params.provider, request.query.next ?? '/');
        reply.setCookie(OIDC_FLOW_COOKIE, encode(flow), flowCookie(request, FLOW_MAX_AGE_SECONDS));
        return reply.redirect(url, 302);
      },
    );

    app.get(
      '/api/auth/oidc/:provider/callback',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary:
            'Where the provider sends the browser back: checks state, nonce and PKCE, signs in and redirects to the web UI.',
          security: [],
          params: ProviderParams,
          response: { 302: Type.Null(), ...errorResponses(400, 401, 404, 429) },
        },
      },
      async (request, reply) => {
        const flow = decodeCookie<OidcFlow>(request.cookies[OIDC_FLOW_COOKIE], isFlow);
        reply.clearCookie(OIDC_FLOW_COOKIE, flowCookie(request));
        const callbackUrl = new URL(oidcRedirectUri(context.publicUrl(), request.params.provider));
        callbackUrl.search = new URL(request.url, 'http://callback').search;
        let signedIn: Awaited<ReturnType<typeof finishOidcSignIn>>;
        try {
          signedIn = await finishOidcSignIn(deps, limits, {
            providerId: request.params.provider,
            flow,
            callbackUrl,
            ip: request.ip,
          });
        } catch (error) {
          // A browser goes back to the sign-in page, which says what failed; API clients get the error.
          if (!(error instanceof LazaretError) || !request.headers.accept?.includes('text/html')) throw error;
          const query = new URLSearchParams({ ssoError: error.code, ssoMessage: error.message });
          return reply.redirect(`/sign-in?${query}`, 302);
        }
        const { session, cookieValue, idToken } = signedIn;
        const maxAge = Math.floor((Date.parse(session.expiresAt) - context.now().getTime()) / 1000);
        reply.setCookie(SESSION_COOKIE, cookieValue, cookieOptions(request, maxAge));
        // Browsers drop cookies over 4 KB; a big ID token (many groups) is left out, as the hint is optional.
        const withHint = encode({ provider: request.params.provider, idToken });
        const sso =
          withHint.length <= MAX_SSO_COOKIE ? withHint : encode({ provider: request.params.provider });
        reply.setCookie(OIDC_SESSION_COOKIE, sso, {
          ...cookieOptions(request, maxAge),
          path: '/api/auth',
        });
        return reply.redirect(localPath(flow?.next), 302);
      },
    );
  };
