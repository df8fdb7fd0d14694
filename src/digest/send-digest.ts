import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../config/load-config.js';
import { chooseLanguage } from '../core/languages.js';
import type { DeliveryResult, SmtpRelay } from '../relay/smtp-relay.js';
import type { DigestState, DigestStore } from '../store/digest-store.js';
import type { ItemStore } from '../store/item-store.js';
import { brandOf } from './brand.js';
import type { DigestAudience } from './digest-audience.js';
import { collectDigest, type DigestContent, holdsAny } from './digest-content.js';
import { composeDigest } from './digest-mail.js';
import { type DigestView, type ItemLinks, type RenderedDigest, renderDigest } from './digest-render.js';
import type { LinkAction, LinkSigner } from './link-token.js';
import { periodStart } from './schedule.js';

export interface DigestDeps {
  items: ItemStore;
  digests: DigestStore;
  relay: Pick<SmtpRelay, 'deliver'>;
  links: LinkSigner;
  logger: Logger;
  now: () => Date;
  nodeName: string;
  config: Pick<Config, 'digest' | 'links' | 'i18n' | 'brand'>;
  /** Base of the links, without a trailing slash. */
  publicUrl: () => string;
}

/** A digest ready to send (or to print, for a dry run). */
export interface BuiltDigest {
  content: DigestContent;
  rendered: RenderedDigest;
  raw: Buffer;
}

export type DigestOutcome =
  | { kind: 'not_due' }
  /** Another node holds this user's digest right now, or won the race for it. */
  | { kind: 'busy' }
  | { kind: 'sent'; period: string; listed: number; total: number; reply: string }
  /** Nothing new was held: the period counts as done without a mail (`digest.sendEmpty` off). */
  | { kind: 'empty'; period: string }
  /**
   * Nothing to list yet, but mail for the user arrived within `digest.settleSeconds`: the period is
   * left open and the next pass sends the digest with it, rather than spend the period on nothing.
   */
  | { kind: 'settling'; period: string }
  | { kind: 'failed'; period: string; code: 'delivery_deferred' | 'delivery_rejected'; reply: string }
  /** This node lost its claim before sending (it took longer than `digest.leaseMs`): nothing was sent. */
  | { kind: 'lost'; period: string };

/** Builds the digest of `audience` for items received in [since, until); links are signed to expire `ttl` from now. */
export async function buildDigest(
  deps: DigestDeps,
  audience: DigestAudience,
  window: { since: string | null; until: string },
): Promise<BuiltDigest> {
  const now = deps.now();
  const content = await collectDigest(deps.items, audience, window, deps.config.digest.maxItems);
  const expiresAt = new Date(now.getTime() + deps.config.links.ttlHours * 3_600_000);
  const base = deps.publicUrl().replace(/\/+$/, '');
  const link = (action: LinkAction, itemIds: string[]) =>
    `${base}/link/${deps.links.sign({ action, userId: audience.user.id, itemIds, expiresAt })}`;
  const view: DigestView = {
    recipient: audience.user.email,
    copyOf: audience.copyOf,
    items: content.items.map((item) => {
      const links: ItemLinks = {
        release: link('release', [item.id]),
        releaseAllow: link('release_allow', [item.id]),
        delete: link('delete', [item.id]),
        deleteBlock: link('delete_block', [item.id]),
        open: link('open', [item.id]),
      };
      return { item, links };
    }),
    total: content.total,
    totalIsLowerBound: content.totalIsLowerBound,
    since: window.since ? new Date(window.since) : null,
    releaseAllUrl:
      content.items.length > 1
        ? link(
            'release_all',
            content.items.map((item) => item.id),
          )
        : null,
    listUrl: `${base}/quarantine`,
    timeZone: audience.schedule.timeZone,
    linksExpireAt: expiresAt,
    // Mail has no browser to ask: the recipient's own choice, else the default.
    brand: brandOf(deps.config),
    language: chooseLanguage({ chosen: audience.user.language, fallback: deps.config.i18n.defaultLanguage }),
  };
  const rendered = renderDigest(view);
  const from = deps.config.digest.from;
  const raw = await composeDigest({
    from,
    to: audience.user.email,
    rendered,
    messageId: `<digest.${audience.user.id}.${Date.parse(window.until)}@${from.slice(from.lastIndexOf('@') + 1)}>`,
    date: now,
    seal: deps.links.sealDigest(audience.user.email, now),
  });
  return { content, rendered, raw };
}

function emptyState(userId: string): DigestState {
  return {
    userId,
    lastPeriod: null,
    lastSentAt: null,
    watermark: null,
    claim: null,
    retryAt: null,
    lastError: null,
    version: 0,
  };
}

function accepted(result: DeliveryResult): boolean {
  return result.kind === 'accepted' && result.accepted.length > 0;
}

export interface SendOptions {
  /** Send now whatever the schedule says (`lazaret digest send`); the period is this moment. */
  now?: boolean;
}

/**
 * Sends one user's digest if it is due, at most once per period across every node and restart:
 *
 * 1. a conditional write claims the period (phase `claimed`, with a lease); the loser stops;
 * 2. the items are collected and the digest built;
 * 3. a second conditional write moves the claim to `sending` — only then does the mail go out;
 * 4. the relay's answer is recorded: accepted → the period is done and the window moves on;
 *    refused → the claim is dropped and the user is retried after `digest.retrySeconds`.
 *
 * A lapsed `claimed` claim (its node died while building) is simply taken over. A lapsed `sending`
 * claim may have been delivered, so the period is recorded as sent (lastError `interrupted`) and
 * never sent again; its items stay in the window and are listed by the next digest.
 */
export async function sendDigest(
  deps: DigestDeps,
  audience: DigestAudience,
  current: DigestState | undefined,
  options: SendOptions = {},
): Promise<DigestOutcome> {
  const now = deps.now();
  const userId = audience.user.id;
  const period = options.now ? now : periodStart(audience.schedule, now);
  if (!period) return { kind: 'not_due' };
  const key = period.toISOString();
  let state = current ?? emptyState(userId);
  let expected: number | null = current ? current.version : null;

  if (state.claim) {
    if (state.claim.until > now.toISOString()) return { kind: 'busy' };
    if (state.claim.phase === 'sending') {
      const claim = state.claim;
      const recorded = await deps.digests.writeDigestState(
        {
          ...state,
          claim: null,
          lastPeriod: state.lastPeriod && state.lastPeriod > claim.period ? state.lastPeriod : claim.period,
          lastError: {
            code: 'interrupted',
            detail: `The digest of ${claim.period} was being sent by ${claim.owner}, which stopped; it may have been delivered and is not sent again.`,
            at: now.toISOString(),
          },
        },
        expected,
      );
      if (!recorded) return { kind: 'busy' };
      deps.logger.warn({ event: 'DIGEST_INTERRUPTED', userId, period: claim.period, owner: claim.owner });
      state = recorded;
      expected = recorded.version;
    }
  }
  if (!options.now) {
    if (state.lastPeriod !== null && key <= state.lastPeriod) return { kind: 'not_due' };
    if (state.retryAt !== null && state.retryAt > now.toISOString()) return { kind: 'not_due' };
  }

  // A scheduled digest leaves out the last moments, where mail may still be being stored.
  const settleMs = options.now ? 0 : deps.config.digest.settleSeconds * 1000;
  const snapshot = new Date(now.getTime() - settleMs).toISOString();
  const leaseUntil = () => new Date(deps.now().getTime() + deps.config.digest.leaseMs).toISOString();
  const claimed = await deps.digests.writeDigestState(
    {
      ...state,
      claim: { period: key, owner: deps.nodeName, until: leaseUntil(), phase: 'claimed', snapshot },
    },
    expected,
  );
  if (!claimed) return { kind: 'busy' };

  const window = { since: state.watermark, until: snapshot };
  const built = await buildDigest(deps, audience, window);
  const done = (extra: Partial<DigestState>): DigestState => ({
    ...claimed,
    claim: null,
    lastPeriod: state.lastPeriod && state.lastPeriod > key ? state.lastPeriod : key,
    watermark: snapshot,
    retryAt: null,
    lastError: null,
    ...extra,
  });

  if (built.content.total === 0 && settleMs > 0) {
    if (await holdsAny(deps.items, audience, { since: snapshot, until: deps.now().toISOString() })) {
      if (!(await deps.digests.writeDigestState({ ...claimed, claim: null }, claimed.version)))
        return { kind: 'lost', period: key };
      deps.logger.debug({ event: 'DIGEST_SETTLING', userId, period: key });
      return { kind: 'settling', period: key };
    }
  }
  if (built.content.total === 0 && !deps.config.digest.sendEmpty) {
    if (!(await deps.digests.writeDigestState(done({}), claimed.version)))
      return { kind: 'lost', period: key };
    deps.logger.debug({ event: 'DIGEST_EMPTY', userId, period: key });
    return { kind: 'empty', period: key };
  }

  const sending = await deps.digests.writeDigestState(
    { ...claimed, claim: { ...claimed.claim!, phase: 'sending', until: leaseUntil() } },
    claimed.version,
  );
  if (!sending) {
    deps.logger.warn({ event: 'DIGEST_CLAIM_LOST', userId, period: key });
    return { kind: 'lost', period: key };
  }
  const result = await deps.relay.deliver({
    from: deps.config.digest.from,
    to: [audience.user.email],
    raw: Readable.from([built.raw]),
  });
  const finishedAt = deps.now().toISOString();
  if (accepted(result)) {
    const recorded = await deps.digests.writeDigestState(done({ lastSentAt: finishedAt }), sending.version);
    if (!recorded)
      deps.logger.error({ event: 'DIGEST_RECORD_FAILED', userId, period: key, reply: result.reply });
    deps.logger.info({
      event: 'DIGEST_SENT',
      userId,
      to: audience.user.email,
      period: key,
      listed: built.content.items.length,
      total: built.content.total,
      reply: result.reply,
    });
    return {
      kind: 'sent',
      period: key,
      listed: built.content.items.length,
      total: built.content.total,
      reply: result.reply,
    };
  }
  const refusal = result.kind === 'failed' ? result : result.refused[0];
  const temporary =
    result.kind === 'failed' ? result.temporary : result.refused.every((entry) => entry.responseCode < 500);
  const code = temporary ? 'delivery_deferred' : 'delivery_rejected';
  const reply = refusal?.reply ?? 'no reply';
  const retryAt = new Date(Date.parse(finishedAt) + deps.config.digest.retrySeconds * 1000).toISOString();
  const recorded = await deps.digests.writeDigestState(
    { ...sending, claim: null, retryAt, lastError: { code, detail: reply, at: finishedAt } },
    sending.version,
  );
  if (!recorded) deps.logger.error({ event: 'DIGEST_RECORD_FAILED', userId, period: key, reply });
  deps.logger.warn({ event: 'DIGEST_REFUSED', userId, to: audience.user.email, period: key, code, reply });
  return { kind: 'failed', period: key, code, reply };
}
