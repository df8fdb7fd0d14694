import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { canManageDomain, canManageUser, isAdministrator } from '../../auth/access-policy.js';
import type { Config } from '../../config/load-config.js';
import { LazaretError } from '../../core/errors.js';
import { audienceOf, homeDomain, scheduleScopes } from '../../digest/digest-audience.js';
import type { DigestSettingsDeps } from '../../digest/digest-settings.js';
import { defaultScope, saveSchedule } from '../../digest/digest-settings.js';
import { effectiveSchedule } from '../../digest/schedule.js';
import { DIGEST_FREQUENCIES, type DigestSchedule, type DigestSettings } from '../../store/digest-store.js';
import { scopeKey } from '../../store/owner-scope.js';
import type { UserRecord, UserStore } from '../../store/user-store.js';
import { originOf } from '../request-actor.js';
import { errorResponses, Int, UserIdParams } from '../schemas.js';

const Frequency = Type.Enum([...DIGEST_FREQUENCIES]);
const Schedule = Type.Object(
  {
    frequency: Type.Optional(Frequency),
    hour: Type.Optional(
      Int({ minimum: 0, maximum: 23, description: 'Local hour of daily and weekly digests.' }),
    ),
    weekday: Type.Optional(Int({ minimum: 0, maximum: 6, description: '0 Sunday, 1 Monday, … 6 Saturday.' })),
    timeZone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin.' }),
    ),
    domains: Type.Optional(
      Type.Array(Type.String({ maxLength: 253 }), {
        maxItems: 1000,
        description: 'Administrators and domain administrators: the domains to receive copies for.',
      }),
    ),
  },
  { additionalProperties: false },
);
const Effective = Type.Object({
  frequency: Frequency,
  hour: Type.Integer(),
  weekday: Type.Integer(),
  timeZone: Type.String(),
});
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const SettingsAnswer = Type.Object({
  own: Schedule,
  domain: Type.String({ description: 'The domain whose default you inherit.' }),
  effective: Effective,
  receives: Type.Boolean({ description: 'Whether you receive digests with these settings.' }),
  copyOf: Nullable(Type.Array(Type.String())),
  lastSentAt: Nullable(Type.String({ format: 'date-time' })),
  lastError: Nullable(Type.Object({ code: Type.String(), detail: Type.String(), at: Type.String() })),
});
const DefaultEntry = Type.Object({
  domain: Nullable(Type.String()),
  schedule: Schedule,
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
});

function presentDefault(settings: DigestSettings) {
  return {
    domain: settings.scope.kind === 'domain' ? settings.scope.domain : null,
    schedule: settings.schedule,
    updatedAt: settings.updatedAt,
    updatedBy: settings.updatedBy,
  };
}

/** What the digest settings routes use. */
export interface DigestSettingsRouteDeps extends DigestSettingsDeps {
  config: Pick<Config, 'digest'>;
  users: UserStore;
}

/** Digest schedules: each person's own, and the domain and global defaults administrators set. */
export const digestSettingsRoutes =
  (context: DigestSettingsRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const me = async (request: FastifyRequest): Promise<UserRecord> => {
      const user = request.actor.userId ? await context.users.getUser(request.actor.userId) : null;
      if (!user) throw new LazaretError('forbidden', 'Only people have digest settings.');
      return user;
    };

    const answer = async (user: UserRecord) => {
      const found = await context.digests.getDigestSettings(scheduleScopes(user));
      const byScope = new Map(found.map((each) => [scopeKey(each.scope), each]));
      const layers = scheduleScopes(user).map((scope) => byScope.get(scopeKey(scope))?.schedule);
      const audience = audienceOf(user, byScope, context.config);
      const state = (await context.digests.getDigestStates([user.id])).get(user.id);
      return {
        own: layers[0] ?? {},
        domain: homeDomain(user),
        effective: audience?.schedule ?? effectiveSchedule(layers, context.config.digest),
        receives: audience !== null,
        copyOf: audience?.copyOf ?? null,
        lastSentAt: state?.lastSentAt ?? null,
        lastError: state?.lastError ?? null,
      };
    };

    /** Sets (or with null forgets) the caller's own schedule and answers their settings. */
    const saveOwn = async (request: FastifyRequest, schedule: DigestSchedule | null) => {
      const user = await me(request);
      const origin = { ...originOf(request), actor: request.actor };
      await saveSchedule(context, origin, { kind: 'user', userId: user.id }, schedule, user);
      return answer(user);
    };

    /** A user the caller manages (the user page), or 404 like a missing one. */
    const managed = async (request: FastifyRequest, id: string): Promise<UserRecord> => {
      const user = await context.users.getUser(id);
      if (!user || !canManageUser(request.actor, user)) {
        throw new LazaretError('not_found', 'No such user.', { userId: id });
      }
      return user;
    };
    const saveFor = async (request: FastifyRequest, id: string, schedule: DigestSchedule | null) => {
      const user = await managed(request, id);
      const origin = { ...originOf(request), actor: request.actor };
      await saveSchedule(context, origin, { kind: 'user', userId: user.id }, schedule, user);
      return answer(user);
    };

    app.get(
      '/api/users/:id/digest-settings',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['digests'],
          summary: "A user's digest schedule, as GET /api/digest/settings answers it to them.",
          params: UserIdParams,
          response: { 200: SettingsAnswer, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => answer(await managed(request, request.params.id)),
    );

    app.put(
      '/api/users/:id/digest-settings',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['digests'],
          summary: "Set a user's own digest schedule (audited as `digest.settings`).",
          params: UserIdParams,
          body: Schedule,
          response: { 200: SettingsAnswer, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => saveFor(request, request.params.id, request.body as DigestSchedule),
    );

    app.delete(
      '/api/users/:id/digest-settings',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['digests'],
          summary: "Forget a user's own schedule: they inherit everything again.",
          params: UserIdParams,
          response: { 200: SettingsAnswer, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => saveFor(request, request.params.id, null),
    );

    app.get(
      '/api/digest/settings',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['digests'],
          summary: 'Your digest schedule: what you set, what you inherit, and when the last digest went out.',
          response: { 200: SettingsAnswer, ...errorResponses(401, 403) },
        },
      },
      async (request) => answer(await me(request)),
    );

    app.put(
      '/api/digest/settings',
      {
        config: { scope: 'release' },
        schema: {
          tags: ['digests'],
          summary:
            'Set your digest schedule; fields you leave out are inherited from your domain or the global default.',
          body: Schedule,
          response: { 200: SettingsAnswer, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => saveOwn(request, request.body as DigestSchedule),
    );

    app.delete(
      '/api/digest/settings',
      {
        config: { scope: 'release' },
        schema: {
          tags: ['digests'],
          summary: 'Forget your own schedule: inherit everything again.',
          response: { 200: SettingsAnswer, ...errorResponses(401, 403) },
        },
      },
      async (request) => saveOwn(request, null),
    );

    app.get(
      '/api/digest/defaults',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['digests'],
          summary: 'The global default (admins) and the domain defaults you manage.',
          response: {
            200: Type.Object({ global: Nullable(DefaultEntry), domains: Type.Array(DefaultEntry) }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const actor = request.actor;
        if (!isAdministrator(actor)) throw new LazaretError('forbidden', 'Only administrators set defaults.');
        const all: DigestSettings[] = [];
        let cursor: string | undefined;
        do {
          const page = await context.digests.listDigestSettings(
            { kinds: ['domain', 'global'] },
            { limit: 500, cursor },
          );
          all.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        const global = all.find((each) => each.scope.kind === 'global');
        const domains = all.filter(
          (each) => each.scope.kind === 'domain' && canManageDomain(actor, each.scope.domain),
        );
        return { global: global ? presentDefault(global) : null, domains: domains.map(presentDefault) };
      },
    );

    const setDefault = async (
      request: FastifyRequest,
      domain: string | null,
      schedule: DigestSchedule | null,
    ) => {
      const scope = defaultScope(request.actor, domain);
      if (schedule?.domains !== undefined) {
        throw new LazaretError(
          'validation_error',
          "Defaults do not choose domains; only administrators' own settings do.",
        );
      }
      return saveSchedule(context, { ...originOf(request), actor: request.actor }, scope, schedule, null);
    };

    const DomainParams = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253 }) });
    const defaultRoutes = [
      { url: '/api/digest/defaults/global', domainOf: () => null, params: undefined },
      {
        url: '/api/digest/defaults/domains/:domain',
        domainOf: (request: FastifyRequest) => (request.params as { domain: string }).domain,
        params: DomainParams,
      },
    ];
    for (const { url, domainOf, params } of defaultRoutes) {
      app.put(
        url,
        {
          config: { scope: 'admin' },
          schema: {
            tags: ['digests'],
            summary:
              'Set a default schedule (global: admins; a domain: its admins) that people inherit field by field.',
            ...(params ? { params } : {}),
            body: Schedule,
            response: { 200: DefaultEntry, ...errorResponses(400, 401, 403) },
          },
        },
        async (request) =>
          presentDefault((await setDefault(request, domainOf(request), request.body as DigestSchedule))!),
      );
      app.delete(
        url,
        {
          config: { scope: 'admin' },
          schema: {
            tags: ['digests'],
            summary: 'Remove a default schedule.',
            ...(params ? { params } : {}),
            response: {
              200: Type.Object({ domain: Nullable(Type.String()), removed: Type.Boolean() }),
              ...errorResponses(400, 401, 403),
            },
          },
        },
        async (request) => {
          await setDefault(request, domainOf(request), null);
          return { domain: domainOf(request)?.toLowerCase() ?? null, removed: true };
        },
      );
    }
  };
