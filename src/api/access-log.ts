import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LogLevel } from '../config/load-config.js';

/**
 * One HTTP_ACCESS line per request, at `level` (log.httpLevel; debug by default, so that a busy web UI
 * does not bury the ingest and release lines). It replaces Fastify's two lines per request. A digest
 * link's path is its credential, so such a request logs the route pattern instead of the URL. Each
 * request's arrival is an HTTP_REQUEST line at trace.
 */
export function installAccessLog(app: FastifyInstance, level: LogLevel): void {
  const urlOf = (request: FastifyRequest) => {
    const route = request.routeOptions.url;
    return route?.includes(':token') ? route : request.url;
  };
  // A request whose body is slow to come is visible before it is answered (log.level trace).
  app.addHook('onRequest', async (request) => {
    request.log.trace({ event: 'HTTP_REQUEST', method: request.method, url: urlOf(request) });
  });
  if (level === 'silent') return;
  app.addHook('onResponse', async (request, reply) => {
    request.log[level]({
      event: 'HTTP_ACCESS',
      method: request.method,
      url: urlOf(request),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      client: request.ip,
      ...(request.actor ? { actor: request.actor.label } : {}),
    });
  });
}
