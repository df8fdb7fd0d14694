import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app-context.js';

export const healthRoutes =
  (context: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/healthz',
      {
        config: { public: true },
        schema: {
          tags: ['health'],
          summary: 'Liveness: the process answers.',
          security: [],
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/readyz',
      {
        config: { public: true },
        schema: {
          tags: ['health'],
          summary: 'Readiness: the store answers.',
          security: [],
          response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: Type.Ref('ErrorBody') },
        },
      },
      async () => {
        await context.items.ping();
        return { status: 'ready' as const };
      },
    );
  };
