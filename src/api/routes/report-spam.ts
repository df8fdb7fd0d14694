import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { accessRules, requireItem } from '../../auth/access-policy.js';
import { audit } from '../../auth/audit.js';
import type { Config } from '../../config/load-config.js';
import { LazaretError } from '../../core/errors.js';
import { isLive } from '../../core/types.js';
import type { Learner } from '../../learning/learner.js';
import type { AuditStore } from '../../store/audit-store.js';
import type { ItemStore } from '../../store/item-store.js';
import { presentItem } from '../presenters.js';
import { originOf } from '../request-actor.js';
import { errorResponses, ItemIdParams } from '../schemas.js';

/** "Report as spam": teaches the configured spam filter that a held message was spam. */
/** What reporting spam uses. */
export interface ReportSpamRouteDeps {
  config: Pick<Config, 'access' | 'learning'>;
  items: Pick<ItemStore, 'getItem'>;
  learner: Pick<Learner, 'reportedSpam'>;
  audit: AuditStore;
  now: () => Date;
}

export const reportSpamRoutes =
  (context: ReportSpamRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/api/quarantine/:id/report-spam',
      {
        config: { scope: 'release' },
        schema: {
          tags: ['quarantine'],
          summary:
            'Report a held message as spam: the spam filter (learning.backend) learns it, in the background. The item itself is not changed.',
          params: ItemIdParams,
          response: {
            200: Type.Object({
              item: Type.Ref('Item'),
              learning: Type.Enum(['queued', 'disabled'], {
                description: 'disabled: learning.backend is none, so nothing is taught.',
              }),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const id = request.params.id;
        const item = requireItem(
          request.actor,
          await context.items.getItem(id),
          'read',
          { malwareRelease: context.config.access.malwareRelease },
          id,
        );
        if (!isLive(item.status)) throw new LazaretError('not_found', 'No such item.', { itemId: id });
        const enabled = context.config.learning.backend !== 'none';
        await context.learner.reportedSpam(item, request.actor.label);
        await audit(context, originOf(request), {
          action: 'item.report_spam',
          target: { itemIds: [id] },
          tenants: [item.tenant],
          params: { learning: enabled ? context.config.learning.backend : 'disabled' },
        });
        return {
          item: presentItem(item, request.actor, accessRules(context.config)),
          learning: enabled ? ('queued' as const) : ('disabled' as const),
        };
      },
    );
  };
