import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the web UI (web/dist), found from this module in src/api or dist/api alike. */
export const WEB_UI_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * The single-page app's own policy: its code and styles come from this server only (Mantine writes a
 * <style> element at run time, hence inline styles), it may frame only its own preview documents, and
 * nobody may frame it.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const APP_HEADERS: Record<string, string> = {
  'content-security-policy': APP_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/** Server paths that are never the app's client-side routes, even when nothing answers them. */
const SERVER_PATHS = /^\/(api|healthz|readyz|metrics)(\/|$|\?)/;

/** Client-side routes: GET, not a server path, and no file extension (a missing asset stays a 404). */
export function isAppRoute(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0] ?? '/';
  if (SERVER_PATHS.test(path)) return false;
  const last = path.split('/').at(-1) ?? '';
  return !last.includes('.');
}

export interface WebUi {
  /** Answers a client-side route with the app's index.html; used by the not-found handler. */
  serveApp(reply: FastifyReply): FastifyReply;
}

/**
 * Serves the built web UI from `root` on the same port as the API. Hashed assets are cached for a
 * year; index.html never, so a new build shows up on reload. Returns null (and the API works on)
 * when the UI has not been built.
 */
export async function registerWebUi(app: FastifyInstance, root: string = WEB_UI_ROOT): Promise<WebUi | null> {
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ event: 'WEB_UI_MISSING', root }, 'The web UI is not built; run `npm run build`.');
    app.get('/', { schema: { hide: true }, config: { public: true } }, async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send('Lazaret is running. The web UI is not built: run `npm run build`. API docs: /api/docs\n'),
    );
    return null;
  }
  // Only reply.sendFile from the plugin; the routes are ours, so that they carry our route config.
  await app.register(fastifyStatic, { root, serve: false });
  app.get<{ Params: { '*': string } }>(
    '/assets/*',
    { schema: { hide: true }, config: { public: true } },
    (request, reply) =>
      reply
        .headers(APP_HEADERS)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .sendFile(`assets/${request.params['*']}`, root, { cacheControl: false }),
  );
  return {
    serveApp(reply) {
      return reply
        .headers(APP_HEADERS)
        .header('cache-control', 'no-cache')
        .sendFile('index.html', root, { cacheControl: false });
    },
  };
}
