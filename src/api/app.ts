import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { installErrorHandler } from './error-handler.js';
import { installActorResolution } from './request-actor.js';
import { healthRoutes } from './routes/health.js';
import { previewRoutes } from './routes/preview.js';
import { quarantineRoutes } from './routes/quarantine.js';
import { statsRoutes } from './routes/stats.js';
import { ErrorBody, ItemSchema, MessageSchema } from './schemas.js';
import { isAppRoute, registerWebUi, type WebUi } from './web-ui.js';

export interface ApiOptions {
  /** Folder of the built web UI; defaults to web/dist of this checkout. */
  webRoot?: string;
}

/**
 * The HTTP API: every route has a schema, and the OpenAPI document is built from those schemas.
 * The same server serves the web UI; any GET that is not an API path gets the app's index.html.
 */
export async function buildApi(context: AppContext, options: ApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: context.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: 8 * 1024 * 1024,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  for (const schema of [ErrorBody, ItemSchema, MessageSchema]) app.addSchema(schema);
  let webUi: WebUi | null = null;
  installErrorHandler(app, {
    notFoundFallback: (request, reply) => (webUi && isAppRoute(request) ? webUi.serveApp(reply) : null),
  });
  installActorResolution(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Lazaret',
        description: 'Email quarantine: list, inspect, release and delete held mail.',
        version: '0.1.0',
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes(context));
  await app.register(quarantineRoutes(context));
  await app.register(previewRoutes(context));
  await app.register(statsRoutes(context));
  webUi = await registerWebUi(app, options.webRoot);
  return app;
}
