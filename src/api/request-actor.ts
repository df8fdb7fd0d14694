import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { mustEnrolTotp } from '../auth/access-policy.js';
import type { AuditOrigin } from '../auth/audit.js';
import { type AuthDeps, authenticateSession, authenticateToken } from '../auth/authenticate.js';
import type { RateLimits } from '../auth/rate-limits.js';
import { sameSecret } from '../auth/secrets.js';
import type { Actor, TokenScope } from '../core/actor.js';
import { LazaretError } from '../core/errors.js';
import type { SessionRecord, UserRecord } from '../store/user-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request; set on every route that is not public. */
    actor: Actor;
    /** The session behind the cookie, when the request was signed in that way. */
    session: SessionRecord | null;
  }
  interface FastifyContextConfig {
    /** The token scope the route needs (`read` < `release` < `admin`). Every route sets this or `public`. */
    scope?: TokenScope;
    /** Answers anyone, signed in or not (health, sign-in, API description). */
    public?: boolean;
    /** Open to an administrator who must still enrol a second factor (auth.requireTotpForAdmins): enrolment, who am I, sign-out. */
    beforeSecondFactor?: boolean;
  }
}

export const SESSION_COOKIE = 'lazaret_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Routes that plugins register without our config: the API documentation pages. */
const PUBLIC_PREFIXES = ['/api/docs'];

/** The audit origin of a request: its actor and client address. */
export function originOf(request: FastifyRequest): AuditOrigin & { actor: Actor } {
  return { actor: request.actor, ip: request.ip };
}

/** Session cookie attributes: httpOnly, SameSite=Lax, Secure whenever the client reached us over TLS. */
export function cookieOptions(request: FastifyRequest, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: request.protocol === 'https',
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

async function resolve(deps: AuthDeps, limits: RateLimits, request: FastifyRequest, reply: FastifyReply) {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new LazaretError('unauthenticated', 'Authorization must be `Bearer <token>`.');
    const { actor, token } = await authenticateToken(deps, match[1]!);
    await limits.tokenRequest(token.id);
    request.actor = actor;
    return;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie === undefined) {
    throw new LazaretError('unauthenticated', 'Sign in (POST /api/auth/login) or send an API token.');
  }
  let user: UserRecord;
  try {
    const signedIn = await authenticateSession(deps, cookie);
    request.actor = signedIn.actor;
    request.session = signedIn.session;
    user = signedIn.user;
  } catch (error) {
    reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
    throw error;
  }
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameSecret(sent, request.session!.csrfToken)) {
      throw new LazaretError(
        'csrf_failed',
        `A signed-in ${request.method} needs the ${CSRF_HEADER} header from the sign-in answer.`,
      );
    }
  }
  if (
    !request.routeOptions.config.beforeSecondFactor &&
    mustEnrolTotp(user, deps.requireTotpForAdmins ?? false)
  ) {
    throw new LazaretError(
      'totp_enrolment_required',
      'Administrators must set up a second factor first (POST /api/auth/totp/enrol, then /api/auth/totp/confirm).',
    );
  }
}

/**
 * Deny by default: every route must declare `config.scope` (the token scope it needs) or
 * `config.public`; registering one without either fails at start. Each request to a non-public route
 * is authenticated by `Authorization: Bearer` or by the session cookie (then state-changing methods
 * need the CSRF header) and its actor must hold the route's scope.
 */
export function installAuthentication(app: FastifyInstance, deps: AuthDeps, limits: RateLimits): void {
  app.decorateRequest('actor', null as unknown as Actor);
  app.decorateRequest('session', null);

  app.addHook('onRoute', (route: RouteOptions) => {
    const config = route.config ?? {};
    if (config.public || config.scope) return;
    if (PUBLIC_PREFIXES.some((prefix) => route.url.startsWith(prefix))) {
      route.config = { ...config, public: true };
      return;
    }
    throw new Error(
      `Route ${String(route.method)} ${route.url} declares neither config.scope nor config.public`,
    );
  });

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    // An unknown path answers route_not_found to anyone: the route list is public in the OpenAPI document.
    if (config.public || request.is404) return;
    await resolve(deps, limits, request, reply);
    const scope = config.scope!;
    if (!request.actor.scopes.includes(scope)) {
      throw new LazaretError('insufficient_scope', `This needs a token with scope ${scope}.`, {
        required: scope,
        scopes: request.actor.scopes,
      });
    }
  });
}
