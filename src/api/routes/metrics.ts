import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app-context.js';

/** Prometheus text exposition of this process's registry. */
export const metricsRoutes =
  (context: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/metrics',
      {
        // Counters only, no mail content: scraped by Prometheus without credentials, like /healthz.
        config: { public: true },
        schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format).', security: [] },
      },
      async (_request, reply) => {
        const body = await context.metrics.registry.metrics();
        return reply.type(context.metrics.registry.contentType).send(body);
      },
    );
  };
