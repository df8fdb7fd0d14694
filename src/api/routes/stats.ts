import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { scopeFilter } from '../../auth/access-policy.js';
import { REASONS } from '../../core/types.js';
import type { StatsStore } from '../../store/stats-store.js';
import { errorResponses, Int } from '../schemas.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const countsByReason = Type.Object(
  Object.fromEntries(REASONS.map((reason) => [reason, Type.Integer()])) as Record<
    (typeof REASONS)[number],
    ReturnType<typeof Type.Integer>
  >,
);
const Party = Type.Object({ address: Type.String(), count: Type.Integer() });

const StatsResponse = Type.Object({
  from: Type.String({ description: 'First day of the window (UTC, inclusive).' }),
  to: Type.String({ description: 'Last day of the window: today (UTC).' }),
  days: Type.Array(
    Type.Object({
      day: Type.String({ description: 'YYYY-MM-DD (UTC).' }),
      held: countsByReason,
      released: Type.Integer(),
      deleted: Type.Integer(),
      expired: Type.Integer(),
    }),
    { description: 'Every day of the window, oldest first.' },
  ),
  totals: Type.Object({
    held: countsByReason,
    released: Type.Integer(),
    deleted: Type.Integer(),
    expired: Type.Integer(),
  }),
  statuses: Type.Object(
    {
      quarantined: Type.Integer(),
      releasing: Type.Integer(),
      released: Type.Integer(),
      deleted: Type.Integer(),
      expired: Type.Integer(),
    },
    { description: 'Items in each status now.' },
  ),
  topSenders: Type.Array(Party, { description: 'Senders with the most items waiting now.' }),
  topRecipients: Type.Array(Party, { description: 'Recipients with the most items waiting now.' }),
  partial: Type.Boolean({
    description:
      'True when the store stopped counting early (DynamoDB reads at most 100,000 items): lower bounds.',
  }),
});

const StatsQuery = Type.Object({
  days: Int({ minimum: 1, maximum: 366, default: 30, description: 'Length of the window in days.' }),
  top: Int({
    minimum: 1,
    maximum: 100,
    default: 10,
    description: 'How many top senders and recipients.',
  }),
});

type ReasonCounts = Record<(typeof REASONS)[number], number>;
const zeroReasons = () => Object.fromEntries(REASONS.map((reason) => [reason, 0])) as ReasonCounts;

/** What the statistics routes use. */
export interface StatsRouteDeps {
  stats: StatsStore;
  now: () => Date;
}

export const statsRoutes =
  (context: StatsRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/stats',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['stats'],
          summary:
            'Dashboard numbers for what the caller may see: items held per day and reason, releases and deletes per day, items per status, top senders and recipients.',
          querystring: StatsQuery,
          response: { 200: StatsResponse, ...errorResponses(400, 401, 403, 503) },
        },
      },
      async (request) => {
        const today = context.now();
        const toDay = today.toISOString().slice(0, 10);
        const fromDay = new Date(today.getTime() - (request.query.days - 1) * DAY_MS)
          .toISOString()
          .slice(0, 10);
        const stats = await context.stats.stats(scopeFilter(request.actor), {
          fromDay,
          toDay,
          top: request.query.top,
        });
        const byDay = new Map(stats.days.map((day) => [day.day, day]));
        const totals = { held: zeroReasons(), released: 0, deleted: 0, expired: 0 };
        const days = Array.from({ length: request.query.days }, (_, index) => {
          const day = new Date(Date.parse(`${fromDay}T00:00:00Z`) + index * DAY_MS)
            .toISOString()
            .slice(0, 10);
          const counts = byDay.get(day);
          const held = zeroReasons();
          for (const reason of REASONS) {
            held[reason] = counts?.held[reason] ?? 0;
            totals.held[reason] += held[reason];
          }
          totals.released += counts?.released ?? 0;
          totals.deleted += counts?.deleted ?? 0;
          totals.expired += counts?.expired ?? 0;
          return {
            day,
            held,
            released: counts?.released ?? 0,
            deleted: counts?.deleted ?? 0,
            expired: counts?.expired ?? 0,
          };
        });
        const status = (name: string) => stats.statuses[name] ?? 0;
        return {
          from: fromDay,
          to: toDay,
          days,
          totals,
          statuses: {
            quarantined: status('quarantined'),
            releasing: status('releasing'),
            released: status('released'),
            deleted: status('deleted'),
            expired: status('expired'),
          },
          topSenders: stats.topSenders,
          topRecipients: stats.topRecipients,
          partial: stats.partial ?? false,
        };
      },
    );
  };
