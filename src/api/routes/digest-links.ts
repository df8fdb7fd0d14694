import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthDeps } from '../../auth/authenticate.js';
import { authenticateSession } from '../../auth/authenticate.js';
import type { Config } from '../../config/load-config.js';
import { isLazaretError } from '../../core/errors.js';
import { chooseLanguage } from '../../core/languages.js';
import { type Brand, brandOf } from '../../digest/brand.js';
import { userTimeZone } from '../../digest/digest-audience.js';
import { digestTranslator } from '../../digest/digest-i18n.js';
import type { LinkActionDeps } from '../../digest/link-actions.js';
import { type LinkPlan, openLink, performLink, planLink } from '../../digest/link-actions.js';
import {
  confirmPage,
  type Page,
  type RefusalCode,
  refusalPage,
  resultPage,
} from '../../digest/link-pages.js';
import type { DigestStore } from '../../store/digest-store.js';
import type { UserRecord } from '../../store/user-store.js';
import { SESSION_COOKIE } from '../request-actor.js';

/** Link paths carry a credential: logs show the path without it. */
export function redactLinkPath(url: string): string {
  return url.replace(/\/link\/[^/?#]*/, '/link/[redacted]');
}

const logSerializers = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: redactLinkPath(request.url),
      host: request.host,
      remoteAddress: request.ip,
    };
  },
};

function pageHeaders(nonce: string, brand: Brand): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'none'",
      // The configured logo only (brand.logoUrl: an https URL without quotes, spaces or angle brackets).
      ...(brand.logoUrl ? [`img-src ${brand.logoUrl}`] : []),
      "style-src 'unsafe-inline'",
      `script-src 'nonce-${nonce}'`,
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    // The token is in the URL: never hand it to another site.
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'x-robots-tag': 'noindex, nofollow',
  };
}

/**
 * The pages behind digest links, authenticated by the signed token in the path instead of a session.
 * GET never changes anything: it shows what confirming will do (or redirects `open` links to the web
 * UI). Only the POST from that page's form acts, under the same access policy and audit as the API.
 */
/** What the digest link pages use. */
export interface DigestLinkRouteDeps extends LinkActionDeps {
  config: Pick<Config, 'access' | 'digest' | 'i18n' | 'brand'>;
  auth: AuthDeps;
  digests: DigestStore;
  publicUrl: () => string;
}

export const digestLinkRoutes =
  (context: DigestLinkRouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    const brand = brandOf(context.config);
    const base = () => context.publicUrl().replace(/\/+$/, '');
    const listUrl = () => `${base()}/quarantine`;

    const signedInUserId = async (request: FastifyRequest): Promise<string | null> => {
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie === undefined) return null;
      try {
        return (await authenticateSession(context.auth, cookie)).user.id;
      } catch {
        return null;
      }
    };

    const send = (reply: FastifyReply, page: Page, nonce: string) =>
      reply
        .code(page.status)
        .headers(pageHeaders(nonce, brand))
        .type('text/html; charset=utf-8')
        .send(page.html);

    /** The link's person's language, else what the browser asks for, else the default. */
    const translatorFor = (request: FastifyRequest, user?: UserRecord) =>
      digestTranslator(
        chooseLanguage({
          chosen: user?.language,
          asked: request.headers['accept-language'],
          fallback: context.config.i18n.defaultLanguage,
        }),
        brand.productName,
      );

    const refusal = (request: FastifyRequest, code: RefusalCode, email?: string) =>
      refusalPage(code, {
        brand,
        listUrl: listUrl(),
        tr: translatorFor(request),
        ...(email === undefined ? {} : { email }),
      });

    const refuse = (request: FastifyRequest, reply: FastifyReply, error: unknown, nonce: string) => {
      if (isLazaretError(error) && error.code.startsWith('link_')) {
        request.log.info({ event: 'LINK_REFUSED', code: error.code });
        const code: RefusalCode =
          error.details?.reason === 'account_closed'
            ? 'account_closed'
            : error.code === 'link_expired' || error.code === 'link_wrong_user'
              ? error.code
              : 'link_invalid';
        return send(reply, refusal(request, code, String(error.details?.linkUser ?? '')), nonce);
      }
      request.log.error({ event: 'LINK_FAILED', err: error });
      return send(reply, refusal(request, 'internal_error'), nonce);
    };

    /** A link none of whose items its person may see: refused like a link for somebody else's mail. */
    const foreign = (plan: LinkPlan) =>
      plan.items.every((each) => 'wont' in each && each.wont === 'not_found');
    const refuseForeign = (request: FastifyRequest, reply: FastifyReply, nonce: string) => {
      request.log.info({ event: 'LINK_REFUSED', code: 'not_found' });
      return send(reply, refusal(request, 'not_found'), nonce);
    };

    const route = { config: { public: true }, logSerializers, schema: { hide: true } } as const;

    /** The page that shows what a link will do and asks to confirm it (by POST to the same link). */
    const confirm = (
      request: FastifyRequest<{ Params: { token: string } }>,
      input: Omit<Parameters<typeof confirmPage>[0], 'action' | 'listUrl' | 'tr'>,
    ) =>
      confirmPage({
        ...input,
        action: `/link/${request.params.token}`,
        listUrl: listUrl(),
        brand,
        tr: translatorFor(request, input.opened.user),
      });

    /** An "open" link leads to the item's page in the UI (sign-in there decides what is shown). */
    const openItem = (reply: FastifyReply, itemId: string | undefined, nonce: string) =>
      reply.headers(pageHeaders(nonce, brand)).redirect(`${base()}/quarantine/${itemId}`, 303);

    app.get<{ Params: { token: string } }>('/link/:token', route, async (request, reply) => {
      const nonce = randomBytes(16).toString('base64');
      try {
        const opened = await openLink(context, request.params.token, await signedInUserId(request));
        if (opened.claims.action === 'open') return openItem(reply, opened.claims.itemIds[0], nonce);
        const plan = await planLink(context, opened);
        if (foreign(plan)) return refuseForeign(request, reply, nonce);
        const timeZone = await userTimeZone(context.digests, opened.user, context.config);
        return send(reply, confirm(request, { opened, plan, nonce, timeZone }), nonce);
      } catch (error) {
        return refuse(request, reply, error, nonce);
      }
    });

    app.post<{ Params: { token: string }; Body: Record<string, string> | undefined }>(
      '/link/:token',
      route,
      async (request, reply) => {
        const nonce = randomBytes(16).toString('base64');
        try {
          const opened = await openLink(context, request.params.token, await signedInUserId(request));
          if (opened.claims.action === 'open') return openItem(reply, opened.claims.itemIds[0], nonce);
          const timeZone = await userTimeZone(context.digests, opened.user, context.config);
          if (request.body?.confirm !== 'yes') {
            // Not from our form: show what would happen instead of acting.
            const plan = await planLink(context, opened);
            return send(reply, confirm(request, { opened, plan, nonce, timeZone }), nonce);
          }
          if (foreign(await planLink(context, opened))) return refuseForeign(request, reply, nonce);
          const result = await performLink(context, opened, request.ip);
          request.log.info({
            event: 'LINK_USED',
            action: opened.claims.action,
            userId: opened.user.id,
            outcomes: result.items.map((each) => each.code),
          });
          return send(
            reply,
            resultPage({
              opened,
              result,
              timeZone,
              listUrl: listUrl(),
              brand,
              tr: translatorFor(request, opened.user),
            }),
            nonce,
          );
        } catch (error) {
          return refuse(request, reply, error, nonce);
        }
      },
    );
  };
