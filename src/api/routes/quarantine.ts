import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { distinctIds } from '../../actions/bulk/bulk-action.js';
import type { ItemActions } from '../../actions/item-actions.js';
import type { JobService } from '../../actions/jobs/job-service.js';
import { accessRules, scopeFilter } from '../../auth/access-policy.js';
import type { Config } from '../../config/load-config.js';
import type { Actor } from '../../core/actor.js';
import { canonical, canonicalDomain, canonicalList } from '../../core/address.js';
import { LazaretError } from '../../core/errors.js';
import { parseSearchQuery } from '../../core/search-query.js';
import type { BlobStore } from '../../store/blob-store.js';
import {
  ITEM_ORDER_FIELDS,
  type ItemFilter,
  type ItemOrder,
  type ItemOrderField,
  type ItemStore,
} from '../../store/item-store.js';
import { filterFromQuery } from '../../store/query-filter.js';
import { liveItem } from '../item-access.js';
import { presentItem, presentJob, presentMessage } from '../presenters.js';
import { originOf } from '../request-actor.js';
import { AddressString, errorResponses, Int, ItemIdParams, ReasonSchema, StatusSchema } from '../schemas.js';

/** The filters of a list, shared by listing and counting. */
const filterProperties = {
  q: Type.Optional(
    Type.String({
      maxLength: 2000,
      description:
        'Search: `from:` `to:` `subject:` `reason:` `status:` `message-id:` `after:` `before:` `larger:` `smaller:` `has:attachment`, "quoted phrases", `-` to negate, free text. See docs/search.md.',
    }),
  ),
  recipient: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 320,
      description: 'Exact recipient address (compared in canonical form, see docs/search.md).',
    }),
  ),
  sender: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 320,
      description:
        'Envelope sender address, or a domain (`example.com`) for every sender of that domain; compared in canonical form.',
    }),
  ),
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Text in the subject.' })),
  reason: Type.Optional(
    Type.Array(ReasonSchema, { description: 'One or more reasons (repeat the parameter).' }),
  ),
  status: Type.Optional(
    Type.Array(StatusSchema, {
      description:
        'One or more statuses; default quarantined, release_requested, releasing, released (release_requested alone: requests waiting for a decision).',
    }),
  ),
  receivedAfter: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive.' })),
  receivedBefore: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive.' })),
};

const ListQuery = Type.Object({
  ...filterProperties,
  limit: Int({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
  sort: Type.Optional(
    Type.Enum(
      ITEM_ORDER_FIELDS.flatMap((field) => [field, `-${field}`]),
      {
        description:
          'Order: a field, `-` in front for descending; default `-receivedAt` (newest first). Ties go by id. The DynamoDB store lists newest first only.',
      },
    ),
  ),
});

const Recipients = Type.Array(AddressString(), {
  minItems: 1,
  maxItems: 100,
  description: 'Deliver to these addresses instead of the original recipient (taken in canonical form).',
});

const ReleaseBody = Type.Union([
  Type.Object(
    {
      force: Type.Optional(
        Type.Boolean({ description: 'Send again although released already or interrupted before.' }),
      ),
      recipients: Type.Optional(Recipients),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

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
  if (!filter.statuses || !fromQuery.statuses) {
    return { ...filter, ...fromQuery, statuses: filter.statuses ?? fromQuery.statuses };
  }
  const allowed = fromQuery.statuses;
  return { ...filter, ...fromQuery, statuses: filter.statuses.filter((status) => allowed.includes(status)) };
}

const COUNT_LIMIT = 1_000_000;

type FilterQuery = Static<ReturnType<typeof Type.Object<typeof filterProperties>>>;

/** The store filter of a list or count request (parameters and search query), within what the actor may see. */
function listFilter(query: FilterQuery, actor: Actor): ItemFilter {
  const fromQuery = query.q === undefined ? {} : filterFromQuery(parseSearchQuery(query.q));
  return mergeStatuses(
    {
      ...(query.recipient ? { recipient: canonical(query.recipient) } : {}),
      ...(query.sender ? { sender: senderFilter(query.sender) } : {}),
      ...(query.subject ? { subject: query.subject } : {}),
      ...(query.reason ? { reasons: query.reason } : {}),
      ...(query.status ? { statuses: query.status } : {}),
      ...(query.receivedAfter ? { receivedAfter: iso(query.receivedAfter) } : {}),
      ...(query.receivedBefore ? { receivedBefore: iso(query.receivedBefore) } : {}),
      ...scopeFilter(actor),
    },
    fromQuery,
  );
}

/** A sender filter: an address, or a domain for all its senders, in canonical form. */
function senderFilter(text: string): string {
  return text.includes('@') ? canonical(text) : canonicalDomain(text.trim().replace(/^@/, ''), text);
}

/** `-size` → size descending; absent → newest first. */
function orderOf(sort: string | undefined): ItemOrder | undefined {
  if (sort === undefined) return undefined;
  const descending = sort.startsWith('-');
  return { field: sort.replace(/^-/, '') as ItemOrderField, direction: descending ? 'desc' : 'asc' };
}

const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

/** What the quarantine routes use. */
export interface QuarantineRouteDeps {
  config: Pick<Config, 'access' | 'bulk'>;
  items: ItemStore;
  blobs: BlobStore;
  actions: ItemActions;
  jobService: JobService;
}

export const quarantineRoutes =
  (context: QuarantineRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const rules = accessRules(context.config);

    app.get(
      '/api/quarantine',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['quarantine'],
          summary: 'List held items, newest first, one page at a time.',
          querystring: ListQuery,
          response: {
            200: Type.Object({
              items: Type.Array(Type.Ref('Item')),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => {
        const query = request.query;
        const page = await context.items.listItems(listFilter(query, request.actor), {
          limit: query.limit,
          cursor: query.cursor,
          order: orderOf(query.sort),
        });
        return {
          items: page.items.map((item) => presentItem(item, request.actor, rules)),
          nextCursor: page.nextCursor,
        };
      },
    );

    app.get(
      '/api/quarantine/count',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['quarantine'],
          summary:
            'How many items a list with these filters has (for "select all N matching"); counts up to `upTo` (at most 1,000,000).',
          querystring: Type.Object({
            ...filterProperties,
            upTo: Int({
              minimum: 1,
              maximum: COUNT_LIMIT,
              default: COUNT_LIMIT,
              description:
                'Count at most this many: a list showing its total asks for less (e.g. 10000, shown as "10,000+"), which costs less on a huge selection.',
            }),
          }),
          response: {
            200: Type.Object({
              count: Type.Integer(),
              exact: Type.Boolean({ description: 'False when there are more than `count`.' }),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => {
        const { upTo, ...filters } = request.query;
        const count = await context.items.countItems(listFilter(filters, request.actor), upTo + 1);
        return count > upTo ? { count: upTo, exact: false } : { count, exact: true };
      },
    );

    app.get(
      '/api/quarantine/:id',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['quarantine'],
          summary: 'One item with its message summary (headers, attachments, envelope).',
          params: ItemIdParams,
          response: {
            200: Type.Object({ item: Type.Ref('Item'), message: Type.Ref('Message') }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const item = await liveItem(context, request.actor, request.params.id);
        const message = await context.items.getMessage(item.messageId);
        if (!message) throw new LazaretError('not_found', 'No such item.', { itemId: item.id });
        return {
          item: presentItem(item, request.actor, rules),
          message: presentMessage(message, request.actor),
        };
      },
    );

    app.get(
      '/api/quarantine/:id/raw',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['quarantine'],
          summary: 'The exact bytes as received, as message/rfc822.',
          params: ItemIdParams,
          produces: ['message/rfc822'],
          response: {
            200: Type.Unsafe({ type: 'string', format: 'binary' }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const item = await liveItem(context, request.actor, request.params.id);
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
        config: { scope: 'release' },
        schema: {
          tags: ['quarantine'],
          summary:
            'Deliver the held message to the mail server; answers once the server accepted it. Malware needs an admin (by default); users set to "request" get 403 and request instead.',
          params: ItemIdParams,
          body: Type.Optional(ReleaseBody),
          response: {
            200: Type.Object({ item: Type.Ref('Item') }),
            ...errorResponses(400, 401, 403, 404, 409, 502, 503),
          },
        },
      },
      async (request) => {
        const body = request.body ?? {};
        const id = request.params.id;
        const recipients = body.recipients && canonicalList(body.recipients);
        const item = await context.actions.release(originOf(request), id, {
          ...(body.force ? { force: true } : {}),
          recipients,
        });
        return { item: presentItem(item, request.actor, rules) };
      },
    );

    app.post(
      '/api/quarantine/:id/request-release',
      {
        config: { scope: 'release' },
        schema: {
          tags: ['quarantine'],
          summary: 'Ask an administrator to release the item; it waits in status release_requested.',
          params: ItemIdParams,
          body: Type.Optional(
            Type.Union([
              Type.Object(
                { note: Type.Optional(Type.String({ maxLength: 1000 })) },
                { additionalProperties: false },
              ),
              Type.Null(),
            ]),
          ),
          response: {
            200: Type.Object({ item: Type.Ref('Item') }),
            ...errorResponses(400, 401, 403, 404, 409, 503),
          },
        },
      },
      async (request) => {
        const item = await context.actions.requestRelease(
          originOf(request),
          request.params.id,
          request.body?.note,
        );
        return { item: presentItem(item, request.actor, rules) };
      },
    );

    app.post(
      '/api/quarantine/:id/approve',
      {
        config: { scope: 'release' },
        schema: {
          tags: ['quarantine'],
          summary: 'Approve a release request: the item is delivered as by a release.',
          params: ItemIdParams,
          response: {
            200: Type.Object({ item: Type.Ref('Item') }),
            ...errorResponses(400, 401, 403, 404, 409, 502, 503),
          },
        },
      },
      async (request) => {
        const item = await context.actions.approve(originOf(request), request.params.id);
        return { item: presentItem(item, request.actor, rules) };
      },
    );

    app.post(
      '/api/quarantine/:id/deny',
      {
        config: { scope: 'release' },
        schema: {
          tags: ['quarantine'],
          summary: 'Deny a release request: the item goes back to quarantined, the reason in lastError.',
          params: ItemIdParams,
          body: Type.Optional(
            Type.Union([
              Type.Object(
                { reason: Type.Optional(Type.String({ maxLength: 1000 })) },
                { additionalProperties: false },
              ),
              Type.Null(),
            ]),
          ),
          response: {
            200: Type.Object({ item: Type.Ref('Item') }),
            ...errorResponses(400, 401, 403, 404, 409, 503),
          },
        },
      },
      async (request) => {
        const item = await context.actions.deny(originOf(request), request.params.id, request.body?.reason);
        return { item: presentItem(item, request.actor, rules) };
      },
    );

    app.delete(
      '/api/quarantine/:id',
      {
        config: { scope: 'release' },
        schema: {
          tags: ['quarantine'],
          summary: 'Delete the item; the raw message goes when no other item needs it.',
          params: ItemIdParams,
          response: {
            200: Type.Object({ item: Type.Ref('Item') }),
            ...errorResponses(400, 401, 403, 404, 409, 503),
          },
        },
      },
      async (request) => {
        const item = await context.actions.delete(originOf(request), request.params.id);
        return { item: presentItem(item, request.actor, rules) };
      },
    );

    for (const action of ['release', 'delete'] as const) {
      app.post(
        `/api/quarantine/${action}`,
        {
          config: { scope: 'release' },
          schema: {
            tags: ['bulk'],
            summary:
              action === 'release'
                ? 'Release many items (compatible with the original API). Up to bulk.syncLimit distinct ids answer 200 with per-item results; more answer 202 with a job.'
                : 'Delete many items (compatible with the original API). Up to bulk.syncLimit distinct ids answer 200 with per-item results; more answer 202 with a job.',
            body: bulkBody(context.config.bulk.maxIds, action === 'release'),
            response: {
              200: Type.Ref('BulkResult'),
              202: Type.Object({ job: Type.Ref('Job') }),
              ...errorResponses(400, 401, 403, 503),
            },
          },
        },
        async (request, reply) => {
          const body = request.body as { ids: string[]; recipients?: string[]; force?: boolean };
          const recipients = body.recipients ? canonicalList(body.recipients) : null;
          const force = body.force ?? false;
          if (distinctIds(body.ids).length > context.config.bulk.syncLimit) {
            const { job } = await context.jobService.create(request.actor, {
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
          return context.actions.bulk(request.actor, {
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
