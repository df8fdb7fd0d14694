import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LazaretError } from '../../core/errors.js';
import type { SmtpRelay } from '../../relay/smtp-relay.js';
import type { FreeSpace } from '../../store/free-space.js';
import type { ItemStore } from '../../store/item-store.js';

const RELAY_CHECK_TIMEOUT_MS = 5000;

/** What the health routes use. */
export interface HealthRouteDeps {
  items: Pick<ItemStore, 'ping'>;
  /** Filter mode: the relay to the re-injection listener. */
  reinjection?: Pick<SmtpRelay, 'verify'> | undefined;
  /** The embedded store's free space; absent on DynamoDB + S3. */
  freeSpace?: FreeSpace | undefined;
}

/** Filter mode cannot accept mail while the re-injection listener is down, so readiness includes it. */
async function checkReinjection(context: HealthRouteDeps): Promise<void> {
  if (!context.reinjection) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      context.reinjection.verify(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('no answer in time')), RELAY_CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    throw new LazaretError('relay_deferred', 'The re-injection listener does not answer.', {
      reason: (error as Error).message,
    });
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes =
  (context: HealthRouteDeps): FastifyPluginAsyncTypebox =>
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
          summary:
            'Readiness: the store answers and has room above its free-space reserve, and in filter mode the re-injection listener answers too.',
          security: [],
          response: {
            200: Type.Object({ status: Type.Literal('ready') }),
            503: Type.Ref('ErrorBody'),
            507: Type.Ref('ErrorBody'),
          },
        },
      },
      async () => {
        await context.items.ping();
        await context.freeSpace?.check();
        await checkReinjection(context);
        return { status: 'ready' as const };
      },
    );
  };
