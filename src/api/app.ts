import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { installErrorHandler } from './error-handler.js';
import { installActorResolution } from './request-actor.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { quarantineRoutes } from './routes/quarantine.js';
import {
  CompatResultSchema,
  ErrorBody,
  ItemSchema,
  JobItemSchema,
  JobSchema,
  MessageSchema,
} from './schemas.js';

/** The HTTP API: every route has a schema, and the OpenAPI document is built from those schemas. */
export async function buildApi(context: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: context.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: 8 * 1024 * 1024,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  for (const schema of [ErrorBody, ItemSchema, MessageSchema, JobSchema, JobItemSchema, CompatResultSchema]) {
    app.addSchema(schema);
  }
  installErrorHandler(app);
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
  await app.register(jobRoutes(context));
  return app;
}
