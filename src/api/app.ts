import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { AppContext } from '../app-context.js';
import { RateLimits } from '../auth/rate-limits.js';
import type { Config } from '../config/load-config.js';
import { installAccessLog } from './access-log.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandler } from './error-handler.js';
import { finiteNumbers } from './finite-numbers.js';
import { closeConnectionsPromptly } from './prompt-close.js';
import { installAuthentication } from './request-actor.js';
import { attachmentRoutes } from './routes/attachments.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { digestLinkRoutes } from './routes/digest-links.js';
import { digestSettingsRoutes } from './routes/digest-settings.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { listRoutes } from './routes/lists.js';
import { metricsRoutes } from './routes/metrics.js';
import { oidcRoutes } from './routes/oidc.js';
import { previewRoutes } from './routes/preview.js';
import { quarantineRoutes } from './routes/quarantine.js';
import { reportSpamRoutes } from './routes/report-spam.js';
import { rspamdHandoffRoutes } from './routes/rspamd-handoff.js';
import { statsRoutes } from './routes/stats.js';
import { totpRoutes } from './routes/totp.js';
import { tokenRoutes, userRoutes } from './routes/users.js';
import {
  AuditEntrySchema,
  CompatResultSchema,
  ErrorBody,
  ItemSchema,
  JobItemSchema,
  JobSchema,
  MessageSchema,
  TokenSchema,
  UserSchema,
} from './schemas.js';
import { isAppRoute, registerWebUi, type WebUi } from './web-ui.js';

export interface ApiOptions {
  /** Folder of the built web UI; defaults to web/dist of this checkout. */
  webRoot?: string;
}

/** `http.trustProxy` as Fastify takes it: `true`, or the list of proxy addresses / CIDRs. */
function trustProxy(value: string | undefined): boolean | string[] {
  if (value === undefined || value.trim() === '' || value.trim() === 'false') return false;
  if (value.trim() === 'true') return true;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** How often Node checks connections against the request and header timeouts (its default is 30 s). */
const TIMEOUT_CHECK_MS = 1_000;
/** Request line and headers must arrive within this (or http.requestTimeoutMs, if shorter). */
const HEADERS_TIMEOUT_MS = 10_000;

/** Node's server options: TLS when configured, and timeout checks often enough to matter. */
function serverOptions(config: Config['http']) {
  const node = { connectionsCheckingInterval: TIMEOUT_CHECK_MS };
  if (!config.tlsCert || !config.tlsKey) return { http: node };
  return { https: { ...node, cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } };
}

/**
 * The HTTP API: every route has a schema and an access declaration, and the OpenAPI document is built
 * from them. The same server serves the web UI: any GET that is not an API path gets the app's index.html.
 */
export async function buildApi(context: AppContext, options: ApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: context.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: 8 * 1024 * 1024,
    // Digest links carry their signed token in the path (up to a few kilobytes for "release all").
    routerOptions: { maxParamLength: 8192 },
    // Requests arriving while closing answer `shutting_down` from prompt-close.ts, in the documented shape.
    return503OnClosing: false,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // One HTTP_ACCESS line per request instead (access-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: trustProxy(context.config.http.trustProxy),
    // A client that drips its request (slowloris, a stalled upload) is cut off, so it cannot hold a
    // connection or a shutdown open; see error-handler.ts for the 408 it gets.
    requestTimeout: context.config.http.requestTimeoutMs,
    ...serverOptions(context.config.http),
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true },
      plugins: [finiteNumbers],
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, context.config.http.requestTimeoutMs);
  closeConnectionsPromptly(app);
  installAccessLog(app, context.config.log.httpLevel);

  for (const schema of [
    ErrorBody,
    ItemSchema,
    MessageSchema,
    UserSchema,
    TokenSchema,
    AuditEntrySchema,
    JobSchema,
    JobItemSchema,
    CompatResultSchema,
  ]) {
    app.addSchema(schema);
  }
  let webUi: WebUi | null = null;
  installErrorHandler(app, {
    notFoundFallback: (request, reply) => (webUi && isAppRoute(request) ? webUi.serveApp(reply) : null),
  });
  await app.register(cookie);
  const limits = new RateLimits(context.config.auth);
  installAuthentication(app, context.auth, limits);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Lazaret',
        description: 'Email quarantine: list, inspect, release and delete held mail.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API token (`lazaret token create`).' },
          session: { type: 'apiKey', in: 'cookie', name: 'lazaret_session' },
          rspamdHandoff: {
            type: 'http',
            scheme: 'basic',
            description:
              'The rspamd hand-off secret (handoff.rspamd.secret) as the password, any user name; `Bearer <secret>` works too.',
          },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () =>
    app.swagger(),
  );

  await app.register(healthRoutes(context));
  await app.register(authRoutes(context, limits));
  await app.register(oidcRoutes(context, limits));
  await app.register(metricsRoutes(context));
  await app.register(quarantineRoutes(context));
  await app.register(jobRoutes(context));
  await app.register(auditRoutes(context));
  await app.register(userRoutes(context));
  await app.register(tokenRoutes(context));
  await app.register(totpRoutes(context.auth));
  await app.register(previewRoutes(context));
  await app.register(attachmentRoutes(context));
  await app.register(statsRoutes(context));
  await app.register(listRoutes(context));
  await app.register(digestSettingsRoutes(context));
  await app.register(reportSpamRoutes(context));
  await app.register(rspamdHandoffRoutes(context, limits));
  await app.register(digestLinkRoutes(context));
  webUi = await registerWebUi(app, options.webRoot);
  return app;
}
