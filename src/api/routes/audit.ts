import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditScope, canManageUser } from '../../auth/access-policy.js';
import { auditActorIdsOf } from '../../auth/user-admin.js';
import type { AuditStore } from '../../store/audit-store.js';
import type { UserStore } from '../../store/user-store.js';
import { presentAuditEntry } from '../presenters.js';
import { errorResponses, IdString, Int } from '../schemas.js';

const AuditQuery = Type.Object({
  action: Type.Optional(Type.String({ maxLength: 100, description: 'Exact action, e.g. item.release.' })),
  actor: Type.Optional(Type.String({ maxLength: 100, description: 'Actor id: a user id or a token id.' })),
  person: Type.Optional(
    Type.String({
      maxLength: 320,
      description:
        'A person by email: what they did signed in and with any of their API tokens. No user with that email: no entries.',
    }),
  ),
  itemId: Type.Optional(IdString('Only entries about this item (ULID).')),
  jobId: Type.Optional(IdString('Only entries about this job (ULID).')),
  after: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive.' })),
  before: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive.' })),
  limit: Int({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
});

const iso = (value: string) => new Date(value).toISOString();

/** What the audit log route uses. */
export interface AuditRouteDeps {
  audit: Pick<AuditStore, 'listAudit'>;
  users: Pick<UserStore, 'getUser' | 'getUserByEmail' | 'listTokens'>;
}

export const auditRoutes =
  (context: AuditRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/audit',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['audit'],
          summary:
            'The audit log, newest first: all of it for admins, their domains for domain admins. Each entry names the user it was about by email (`target.userEmail`).',
          querystring: AuditQuery,
          response: {
            200: Type.Object({
              entries: Type.Array(Type.Ref('AuditEntry')),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => {
        const query = request.query;
        const page = await context.audit.listAudit(
          {
            ...(query.action ? { action: query.action } : {}),
            ...(query.actor ? { actorId: query.actor } : {}),
            ...(query.person ? { actorIdIn: await auditActorIdsOf(context, query.person) } : {}),
            ...(query.itemId ? { itemId: query.itemId } : {}),
            ...(query.jobId ? { jobId: query.jobId } : {}),
            ...(query.after ? { after: iso(query.after) } : {}),
            ...(query.before ? { before: iso(query.before) } : {}),
            ...auditScope(request.actor),
          },
          { limit: query.limit, cursor: query.cursor },
        );
        // People by email, not by id: each user an entry was about is looked up once per page (and named
        // only to those who may manage them).
        const emails = new Map<string, string | null>();
        for (const userId of new Set(page.items.flatMap((entry) => entry.target.userId ?? []))) {
          const user = await context.users.getUser(userId);
          emails.set(userId, user && canManageUser(request.actor, user) ? user.email : null);
        }
        return {
          entries: page.items.map((entry) =>
            presentAuditEntry(entry, request.actor, emails.get(entry.target.userId ?? '') ?? undefined),
          ),
          nextCursor: page.nextCursor,
        };
      },
    );
  };
