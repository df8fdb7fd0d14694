import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { JobService } from '../../actions/jobs/job-service.js';
import type { Config } from '../../config/load-config.js';
import { canonicalList } from '../../core/address.js';
import { OUTCOME_CODES } from '../../core/outcomes.js';
import { FINAL_JOB_STATES, JOB_ACTIONS, type JobStore } from '../../store/job-store.js';
import { presentJob, presentJobItem } from '../presenters.js';
import { AddressString, errorResponses, IdString, Int } from '../schemas.js';

const JobIdParams = Type.Object({ id: IdString('Job id (ULID).') });

const Page = Type.Object({
  limit: Int({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
});

/** How often an event stream looks at the job; progress is stored in batches anyway. */
const EVENTS_POLL_MS = 250;
const EVENTS_KEEPALIVE_MS = 15_000;

/** What the job routes use. */
export interface JobRouteDeps {
  config: Pick<Config, 'bulk'>;
  jobs: Pick<JobStore, 'getJob'>;
  jobService: JobService;
}

export const jobRoutes =
  (context: JobRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const streams = new Set<ServerResponse>();
    app.addHook('preClose', async () => {
      for (const stream of streams) stream.end();
    });

    app.post(
      '/api/quarantine/jobs',
      {
        config: { scope: 'release' },
        schema: {
          tags: ['jobs'],
          summary:
            'Start a durable bulk job over ids or a search query (any size). The same Idempotency-Key answers the same job.',
          headers: Type.Object({
            'idempotency-key': Type.Optional(
              Type.String({ minLength: 1, maxLength: 200, description: 'Repeat-safe key, per caller.' }),
            ),
          }),
          body: Type.Object(
            {
              action: Type.Enum([...JOB_ACTIONS]),
              ids: Type.Optional(
                Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
                  minItems: 1,
                  maxItems: context.config.bulk.maxIds,
                }),
              ),
              query: Type.Optional(
                Type.String({
                  maxLength: 2000,
                  description: 'Search query (docs/search.md), evaluated within your access scope.',
                }),
              ),
              recipients: Type.Optional(Type.Array(AddressString(), { minItems: 1, maxItems: 100 })),
              force: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: {
            202: Type.Object({ job: Type.Ref('Job') }),
            ...errorResponses(400, 401, 403, 409, 503),
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const key = request.headers['idempotency-key'];
        const { job, created } = await context.jobService.create(request.actor, {
          action: body.action,
          ...(body.ids ? { ids: body.ids } : {}),
          ...(body.query !== undefined ? { query: body.query } : {}),
          force: body.force ?? false,
          recipients: body.recipients ? canonicalList(body.recipients) : null,
          ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
        });
        return reply
          .status(202)
          .header('location', `/api/quarantine/jobs/${job.id}`)
          .header('idempotent-replayed', created ? 'false' : 'true')
          .send({ job: presentJob(job) });
      },
    );

    app.get(
      '/api/quarantine/jobs',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['jobs'],
          summary: 'Jobs, newest first: your own; administrators see all.',
          querystring: Page,
          response: {
            200: Type.Object({
              jobs: Type.Array(Type.Ref('Job')),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => {
        const page = await context.jobService.list(request.actor, {
          limit: request.query.limit,
          cursor: request.query.cursor,
        });
        return { jobs: page.items.map(presentJob), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/api/quarantine/jobs/:id',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['jobs'],
          summary: 'One job: state, counters by outcome, cursor, engine stats.',
          params: JobIdParams,
          response: { 200: Type.Object({ job: Type.Ref('Job') }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => ({
        job: presentJob(await context.jobService.visible(request.actor, request.params.id)),
      }),
    );

    app.get(
      '/api/quarantine/jobs/:id/items',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['jobs'],
          summary: "The job's items in selection order with their outcomes, paged; filter by outcome.",
          params: JobIdParams,
          querystring: Type.Object({
            outcome: Type.Optional(
              Type.Enum([...OUTCOME_CODES, 'pending'], { description: '`pending`: no outcome yet.' }),
            ),
            limit: Int({ minimum: 1, maximum: 1000, default: 100 }),
            cursor: Type.Optional(Type.String({ maxLength: 500 })),
          }),
          response: {
            200: Type.Object({
              items: Type.Array(Type.Ref('JobItem')),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const { outcome, limit, cursor } = request.query;
        const page = await context.jobService.listItems(
          request.actor,
          request.params.id,
          outcome === undefined ? {} : { outcome },
          { limit, cursor },
        );
        return { items: page.items.map(presentJobItem), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/quarantine/jobs/:id/cancel',
      {
        config: { scope: 'release' },
        schema: {
          tags: ['jobs'],
          summary: 'Stop the job: no new items start; the rest end `cancelled`.',
          params: JobIdParams,
          response: { 202: Type.Object({ job: Type.Ref('Job') }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) =>
        reply
          .status(202)
          .send({ job: presentJob(await context.jobService.cancel(request.actor, request.params.id)) }),
    );

    app.get(
      '/api/quarantine/jobs/:id/events',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['jobs'],
          summary:
            'Server-Sent Events: `progress` with the job whenever it changes, then `end` with the final job.',
          params: JobIdParams,
          produces: ['text/event-stream'],
          response: {
            200: Type.Unsafe({
              type: 'string',
              description: 'event: progress|end, data: {"job": Job}',
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        let job = await context.jobService.visible(request.actor, request.params.id);
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        streams.add(raw);
        let closed = false;
        let timer: NodeJS.Timeout | undefined;
        const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), EVENTS_KEEPALIVE_MS);
        const close = () => {
          if (closed) return;
          closed = true;
          clearTimeout(timer);
          clearInterval(keepAlive);
          streams.delete(raw);
          raw.end();
        };
        raw.on('close', close);
        const send = (event: string) =>
          raw.write(`event: ${event}\ndata: ${JSON.stringify({ job: presentJob(job) })}\n\n`);
        send('progress');
        let last = job.updatedAt;
        const tick = async () => {
          if (closed) return;
          try {
            const current = await context.jobs.getJob(job.id);
            if (current) job = current;
          } catch (error) {
            request.log.warn({ event: 'JOB_EVENTS_READ_FAILED', err: error });
          }
          if (closed) return;
          if (FINAL_JOB_STATES.includes(job.state)) {
            send('end');
            close();
            return;
          }
          if (job.updatedAt !== last) {
            last = job.updatedAt;
            send('progress');
          }
          timer = setTimeout(() => void tick(), EVENTS_POLL_MS);
        };
        await tick();
      },
    );
  };
