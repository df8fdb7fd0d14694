import type { FastifyInstance } from 'fastify';
import type { LogLevel } from '../config/load-config.js';

/**
 * One HTTP_ACCESS line per request, at `level` (log.httpLevel; debug by default, so that a busy web UI
 * does not bury the ingest and release lines). It replaces Fastify's two lines per request. A digest
 * link's path is its credential, so such a request logs the route pattern instead of the URL.
 */
export function installAccessLog(app: FastifyInstance, level: LogLevel): void {
  if (level === 'silent') return;
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    request.log[level]({
      event: 'HTTP_ACCESS',
      method: request.method,
      url: route?.includes(':token') ? route : request.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      client: request.ip,
      ...(request.actor ? { actor: request.actor.label } : {}),
    });
  });
}
