import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Metrics } from '../../metrics.js';

/** What the metrics route uses. */
export interface MetricsRouteDeps {
  metrics: Pick<Metrics, 'registry'>;
}

/** Prometheus text exposition of this process's registry. */
export const metricsRoutes =
  (context: MetricsRouteDeps): FastifyPluginAsyncTypebox =>
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
