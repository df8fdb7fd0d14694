import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app-context.js';
import { canSee, scopeFilter } from '../../auth/access-policy.js';
import type { Actor } from '../../auth/actor.js';
import { LazaretError } from '../../core/errors.js';
import { parseSearchQuery } from '../../core/search-query.js';
import { isLive } from '../../core/types.js';
import { distinctIds, runBulkAction } from '../../release/bulk/bulk-action.js';
import { deleteItem } from '../../release/delete-item.js';
import { createJob } from '../../release/jobs/job-service.js';
import { releaseItem } from '../../release/release-item.js';
import type { ItemFilter } from '../../store/item-store.js';
import { filterFromQuery } from '../../store/query-filter.js';
import { presentItem, presentJob, presentMessage } from '../presenters.js';
import { errorResponses, ItemIdParams, ReasonSchema, StatusSchema } from '../schemas.js';

const ListQuery = Type.Object({
  q: Type.Optional(
    Type.String({
      maxLength: 2000,
      description:
        'Search: `from:` `to:` `subject:` `reason:` `status:` `message-id:` `after:` `before:` `larger:` `smaller:` `has:attachment`, "quoted phrases", `-` to negate, free text. See docs/search.md.',
    }),
  ),
  recipient: Type.Optional(
    Type.String({ minLength: 1, maxLength: 320, description: 'Exact recipient address.' }),
  ),
  sender: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 320,
      description: 'Envelope sender address, or a domain (`example.com`) for every sender of that domain.',
    }),
  ),
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Text in the subject.' })),
  reason: Type.Optional(
    Type.Array(ReasonSchema, { description: 'One or more reasons (repeat the parameter).' }),
  ),
  status: Type.Optional(
    Type.Array(StatusSchema, {
      description: 'One or more statuses; default quarantined, releasing, released.',
    }),
  ),
  receivedAfter: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive.' })),
  receivedBefore: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive.' })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
});

const ReleaseBody = Type.Union([
  Type.Object(
    {
      force: Type.Optional(
        Type.Boolean({ description: 'Send again although released already or interrupted before.' }),
      ),
      recipients: Type.Optional(
        Type.Array(Type.String({ format: 'email' }), {
          minItems: 1,
          maxItems: 100,
          description: 'Deliver to these addresses instead of the original recipient.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

const Recipients = Type.Array(Type.String({ format: 'email' }), {
  minItems: 1,
  maxItems: 100,
  description: 'Deliver to these addresses instead of the original recipient.',
});

const bulkBody = (maxIds: number, release: boolean) =>
  Type.Object({
    ids: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      minItems: 1,
      maxItems: maxIds,
      description: `Item ids (repeats are processed once). Up to bulk.syncLimit run in the request; more become a job. At most ${maxIds}; select more with a query job.`,
    }),
    ...(release
      ? {
          recipients: Type.Optional(Recipients),
          force: Type.Optional(
            Type.Boolean({ description: 'Send again although released already or interrupted before.' }),
          ),
        }
      : {}),
  });

/** The statuses both a `status` parameter and the query's positive `status:` terms allow. */
function mergeStatuses(filter: ItemFilter, fromQuery: ItemFilter): ItemFilter {
  if (!filter.statuses || !fromQuery.statuses)
    return { ...filter, ...fromQuery, statuses: filter.statuses ?? fromQuery.statuses };
  const allowed = fromQuery.statuses;
  return { ...filter, ...fromQuery, statuses: filter.statuses.filter((status) => allowed.includes(status)) };
}

const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

export const quarantineRoutes =
  (context: AppContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/quarantine',
      {
        schema: {
          tags: ['quarantine'],
          summary: 'List held items, newest first, one page at a time.',
          querystring: ListQuery,
          response: {
            200: Type.Object({
              items: Type.Array(Type.Ref('Item')),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400),
          },
        },
      },
      async (request) => {
        const query = request.query;
        const fromQuery = query.q === undefined ? {} : filterFromQuery(parseSearchQuery(query.q));
        const page = await context.items.listItems(
          mergeStatuses(
            {
              ...(query.recipient ? { recipient: query.recipient } : {}),
              ...(query.sender ? { sender: query.sender } : {}),
              ...(query.subject ? { subject: query.subject } : {}),
              ...(query.reason ? { reasons: query.reason } : {}),
              ...(query.status ? { statuses: query.status } : {}),
              ...(query.receivedAfter ? { receivedAfter: iso(query.receivedAfter) } : {}),
              ...(query.receivedBefore ? { receivedBefore: iso(query.receivedBefore) } : {}),
              ...scopeFilter(request.actor),
            },
            fromQuery,
          ),
          { limit: query.limit, cursor: query.cursor },
        );
        return { items: page.items.map(presentItem), nextCursor: page.nextCursor };
      },
    );

    /** A foreign item answers exactly like a missing one, so ids reveal nothing. */
    const visibleItem = async (actor: Actor, id: string) => {
      const item = await context.items.getItem(id);
      if (!item || !canSee(actor, item)) throw new LazaretError('not_found', 'No such item.', { itemId: id });
      return item;
    };
    const liveItem = async (actor: Actor, id: string) => {
      const item = await visibleItem(actor, id);
      if (!isLive(item.status)) throw new LazaretError('not_found', 'No such item.', { itemId: id });
      return item;
    };

    app.get(
      '/api/quarantine/:id',
      {
        schema: {
          tags: ['quarantine'],
          summary: 'One item with its message summary (headers, attachments, envelope).',
          params: ItemIdParams,
          response: {
            200: Type.Object({ item: Type.Ref('Item'), message: Type.Ref('Message') }),
            ...errorResponses(400, 404),
          },
        },
      },
      async (request) => {
        const item = await liveItem(request.actor, request.params.id);
        const message = await context.items.getMessage(item.messageId);
        if (!message) throw new LazaretError('not_found', 'No such item.', { itemId: item.id });
        return { item: presentItem(item), message: presentMessage(message) };
      },
    );

    app.get(
      '/api/quarantine/:id/raw',
      {
        schema: {
          tags: ['quarantine'],
          summary: 'The exact bytes as received, as message/rfc822.',
          params: ItemIdParams,
          produces: ['message/rfc822'],
          response: { 200: Type.Unsafe({ type: 'string', format: 'binary' }), ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const item = await liveItem(request.actor, request.params.id);
        const stream = await context.blobs.get(item.messageId);
        return reply
          .header('content-type', 'message/rfc822')
          .header('content-length', item.size)
          .header('content-disposition', `attachment; filename="${item.id}.eml"`)
          .header('x-content-type-options', 'nosniff')
          .send(stream);
      },
    );

    app.post(
      '/api/quarantine/:id/release',
      {
        schema: {
          tags: ['quarantine'],
          summary: 'Deliver the held message to the mail server; answers once the server accepted it.',
          params: ItemIdParams,
          body: Type.Optional(ReleaseBody),
          response: {
            200: Type.Object({ item: Type.Ref('Item') }),
            ...errorResponses(400, 404, 409, 502, 503),
          },
        },
      },
      async (request) => {
        const body = request.body ?? {};
        await visibleItem(request.actor, request.params.id);
        const item = await releaseItem(context, request.params.id, request.actor, {
          ...(body.force ? { force: true } : {}),
          ...(body.recipients ? { recipients: body.recipients.map((address) => address.toLowerCase()) } : {}),
        });
        return { item: presentItem(item) };
      },
    );

    app.delete(
      '/api/quarantine/:id',
      {
        schema: {
          tags: ['quarantine'],
          summary: 'Delete the item; the raw message goes when no other item needs it.',
          params: ItemIdParams,
          response: { 200: Type.Object({ item: Type.Ref('Item') }), ...errorResponses(400, 404, 409, 503) },
        },
      },
      async (request) => {
        await visibleItem(request.actor, request.params.id);
        return { item: presentItem(await deleteItem(context, request.params.id, request.actor)) };
      },
    );

    for (const action of ['release', 'delete'] as const) {
      app.post(
        `/api/quarantine/${action}`,
        {
          schema: {
            tags: ['bulk'],
            summary:
              action === 'release'
                ? 'Release many items (compatible with the original API). Small selections answer 200 with per-item results; larger ones 202 with a job.'
                : 'Delete many items (compatible with the original API). Small selections answer 200 with per-item results; larger ones 202 with a job.',
            body: bulkBody(context.config.bulk.maxIds, action === 'release'),
            response: {
              200: Type.Ref('BulkResult'),
              202: Type.Object({ job: Type.Ref('Job') }),
              ...errorResponses(400, 403, 503),
            },
          },
        },
        async (request, reply) => {
          const body = request.body as { ids: string[]; recipients?: string[]; force?: boolean };
          const recipients = body.recipients ? body.recipients.map((address) => address.toLowerCase()) : null;
          const force = body.force ?? false;
          if (distinctIds(body.ids).length > context.config.bulk.syncLimit) {
            const { job } = await createJob(context, request.actor, {
              action,
              ids: body.ids,
              force,
              recipients,
            });
            return reply
              .status(202)
              .header('location', `/api/quarantine/jobs/${job.id}`)
              .send({ job: presentJob(job) });
          }
          return runBulkAction(context, request.actor, {
            action,
            ids: body.ids,
            force,
            recipients,
            ip: request.ip,
          });
        },
      );
    }
  };
