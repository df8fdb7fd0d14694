import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QuarantineItem } from '../../src/core/types.js';
import { DigestWorker, type DigestWorkerDeps } from '../../src/digest/digest-worker.js';
import { LinkSigner } from '../../src/digest/link-token.js';
import { type EffectiveSchedule, periodStart } from '../../src/digest/schedule.js';
import { SmtpRelay } from '../../src/relay/smtp-relay.js';
import type { DigestSchedule } from '../../src/store/digest-store.js';
import type { OwnerScope } from '../../src/store/owner-scope.js';
import type { UserRecord } from '../../src/store/user-store.js';
import { buildItems, buildMessage, buildUser } from '../support/builders.js';
import { digestLinks, parseDigest, tokenOf } from '../support/digest-mail.js';
import { Downstream, refuseNext } from '../support/downstream.js';
import { testConfig } from '../support/env.js';
import { memoryLogger } from '../support/memory-logger.js';
import type { MakeStores, StoreFixture, StorePair } from './stores.js';

const KEY = 'digest-contract-key-0123456789abcdef0123456789';
const LEASE_MS = 60_000;

/**
 * Digests over a backend: two nodes (two store instances over the same data, as two processes would
 * have) run the digest worker against a real SMTP server, with a controlled clock.
 */
export function digestDeliveryContract(backend: string, makeStores: MakeStores): void {
  describe(`digest delivery: ${backend}`, () => {
    let fixture: StoreFixture;
    let smtp: Downstream;
    let clock: Date;
    const relays: SmtpRelay[] = [];
    const log = () => memoryLogger('debug');
    let logs: ReturnType<typeof log>;

    const config = () =>
      testConfig({
        LAZARET_RELAY_PORT: smtp.port,
        LAZARET_RELAY_TLS: 'none',
        LAZARET_DIGEST_LEASE_MS: LEASE_MS,
        LAZARET_DIGEST_SETTLE_SECONDS: 0,
        LAZARET_DIGEST_RETRY_SECONDS: 600,
        LAZARET_DIGEST_MAX_ITEMS: 3,
        LAZARET_DIGEST_FROM: 'quarantine@corp.test',
      });

    function node(stores: StorePair, name: string, overrides: Partial<DigestWorkerDeps> = {}): DigestWorker {
      const relay = new SmtpRelay(config().relay);
      relays.push(relay);
      return new DigestWorker({
        ...stores,
        relay,
        links: new LinkSigner([KEY]),
        logger: logs.logger,
        now: () => clock,
        nodeName: name,
        config: config(),
        publicUrl: () => 'https://quarantine.corp.test',
        ...overrides,
      });
    }

    async function user(email: string, overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
      const record = buildUser({ email, createdAt: clock.toISOString(), ...overrides });
      await fixture.users.createUser(record);
      return record;
    }

    async function schedule(scope: OwnerScope, value: DigestSchedule): Promise<void> {
      await fixture.digests.putDigestSettings({
        scope,
        schedule: value,
        updatedAt: clock.toISOString(),
        updatedBy: 'test',
      });
    }

    /** One held message for each recipient, received a second ago. */
    async function hold(
      recipients: string[],
      subject = `Held at ${clock.toISOString()}`,
    ): Promise<QuarantineItem[]> {
      const message = buildMessage({
        receivedAt: new Date(clock.getTime() - 1000).toISOString(),
        envelope: { mailFrom: 'spammer@bulk.example', rcptTo: recipients },
        headers: { from: 'Bulk <spammer@bulk.example>', fromAddress: 'spammer@bulk.example', subject },
      });
      const items = buildItems(message);
      await fixture.items.putMessage(message, items);
      return items;
    }

    const toOf = (email: string) => smtp.deliveries.filter((delivery) => delivery.rcptTo.includes(email));

    beforeEach(async () => {
      fixture = await makeStores();
      smtp = await new Downstream().start();
      logs = log();
      clock = new Date('2026-03-27T06:30:00Z');
    });
    afterEach(async () => {
      for (const relay of relays.splice(0)) relay.close();
      await smtp.stop();
      await fixture.cleanup();
    });

    it('two nodes send each user exactly one digest per period, across a daylight-saving change', async () => {
      const alice = await user('alice@corp.test');
      const bob = await user('bob@corp.test');
      const carol = await user('carol@corp.test');
      const erin = await user('erin@other.test');
      const dave = await user('dave@corp.test');
      await schedule(
        { kind: 'user', userId: alice.id },
        { frequency: 'daily', hour: 2, timeZone: 'Europe/Berlin' },
      );
      await schedule({ kind: 'user', userId: bob.id }, { frequency: 'hourly', timeZone: 'America/New_York' });
      await schedule(
        { kind: 'user', userId: carol.id },
        { frequency: 'weekly', weekday: 0, hour: 9, timeZone: 'Asia/Kolkata' },
      );
      await schedule(
        { kind: 'domain', domain: 'other.test' },
        { frequency: 'daily', hour: 7, timeZone: 'Europe/Berlin' },
      );
      await schedule({ kind: 'user', userId: dave.id }, { frequency: 'never' });
      const a = node(fixture, 'node-a');
      const b = node(await fixture.reopen(), 'node-b');
      const schedules: Record<string, EffectiveSchedule> = {
        [alice.email]: { frequency: 'daily', hour: 2, weekday: 1, timeZone: 'Europe/Berlin' },
        [bob.email]: { frequency: 'hourly', hour: 8, weekday: 1, timeZone: 'America/New_York' },
        [carol.email]: { frequency: 'weekly', hour: 9, weekday: 0, timeZone: 'Asia/Kolkata' },
        [erin.email]: { frequency: 'daily', hour: 7, weekday: 1, timeZone: 'Europe/Berlin' },
      };
      const periods: Record<string, Set<string>> = Object.fromEntries(
        Object.keys(schedules).map((email) => [email, new Set<string>()]),
      );

      let raced = 0;
      // Europe moves its clocks forward on 29 March 2026; step through two and a half days.
      for (let step = 0; step < 120; step += 1) {
        await hold([alice.email, bob.email, carol.email, erin.email, dave.email]);
        const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
        expect(ra.outcomes.error + rb.outcomes.error).toBe(0);
        raced += ra.outcomes.busy + rb.outcomes.busy;
        for (const [email, each] of Object.entries(schedules)) {
          periods[email]!.add(periodStart(each, clock)!.toISOString());
        }
        clock = new Date(clock.getTime() + 30 * 60_000);
      }

      for (const [email, seen] of Object.entries(periods)) {
        expect(toOf(email).length, email).toBe(seen.size);
        const ids = toOf(email).map((delivery) => parseDigest(delivery.raw).headers['message-id']);
        expect(new Set(ids).size, `${email}: one Message-ID per period`).toBe(ids.length);
      }
      // Alice: the first at once, then 02:00 Berlin each day — on the 29th at the jump to 03:00 (01:00 UTC).
      expect(toOf(alice.email).map((delivery) => parseDigest(delivery.raw).headers.date)).toEqual([
        'Fri, 27 Mar 2026 06:30:00 +0000',
        'Sat, 28 Mar 2026 01:00:00 +0000',
        'Sun, 29 Mar 2026 01:00:00 +0000',
      ]);
      // Carol: the first at once, then Sunday 09:00 in Kolkata (03:30 UTC).
      expect(toOf(carol.email).map((delivery) => parseDigest(delivery.raw).headers.date)).toEqual([
        'Fri, 27 Mar 2026 06:30:00 +0000',
        'Sun, 29 Mar 2026 03:30:00 +0000',
      ]);
      expect(toOf(bob.email).length).toBeGreaterThan(55);
      expect(toOf(dave.email)).toEqual([]);
      expect(smtp.arrived).toHaveLength(smtp.deliveries.length);
      // The nodes really competed: many times one found the other holding or winning the period.
      expect(raced).toBeGreaterThan(10);
    });

    it('lists only new held items since the last digest, the newest first, "and N more" beyond the limit', async () => {
      const alice = await user('alice@corp.test');
      await schedule({ kind: 'user', userId: alice.id }, { frequency: 'hourly', timeZone: 'UTC' });
      const worker = node(fixture, 'node-a');
      const first = await hold([alice.email], 'First');
      await worker.runOnce();
      expect(toOf(alice.email)).toHaveLength(1);

      clock = new Date(clock.getTime() + 10 * 60_000);
      const released = (await hold([alice.email], 'Released meanwhile'))[0]!;
      await fixture.items.transition(
        released.id,
        { status: ['quarantined'] },
        { status: 'deleted', at: clock.toISOString() },
      );
      const later: QuarantineItem[] = [];
      for (const subject of ['Second', 'Third', 'Fourth', 'Fifth']) {
        later.push(...(await hold([alice.email], subject)));
        clock = new Date(clock.getTime() + 60_000);
      }
      expect((await worker.runOnce()).outcomes.not_due).toBe(1);
      clock = new Date('2026-03-27T07:00:00Z');
      await worker.runOnce();

      const mails = toOf(alice.email).map((delivery) => parseDigest(delivery.raw));
      expect(mails).toHaveLength(2);
      expect(mails[0]!.text).toContain('1 new message was held for you');
      expect(mails[0]!.text).toContain('First');
      const second = mails[1]!;
      expect(second.headers.subject).toBe('Quarantine digest: 4 messages held for you');
      expect(second.text).not.toContain('First');
      expect(second.text).not.toContain('Released meanwhile');
      const order = ['Fifth', 'Fourth', 'Third'].map((subject) => second.text.indexOf(`Subject: ${subject}`));
      expect(
        order.every((index, position) => index > 0 && (position === 0 || index > order[position - 1]!)),
      ).toBe(true);
      expect(second.text).not.toContain('Subject: Second');
      expect(second.text).toContain('…and 1 more: https://quarantine.corp.test/quarantine');

      const links = digestLinks(second.text);
      const signer = new LinkSigner([KEY]);
      expect(links.items).toHaveLength(3);
      expect(signer.verify(tokenOf(links.items[0]!.release), clock)).toMatchObject({
        action: 'release',
        userId: alice.id,
        itemIds: [later[3]!.id],
      });
      expect(signer.verify(tokenOf(links.items[2]!.deleteBlock), clock).action).toBe('delete_block');
      expect(signer.verify(tokenOf(links.releaseAll!), clock)).toMatchObject({
        action: 'release_all',
        itemIds: [later[3]!.id, later[2]!.id, later[1]!.id],
      });
      expect(first).toHaveLength(1);
    });

    it('a node that dies after claiming, before sending, leaves the period to another node after the lease', async () => {
      const alice = await user('alice@corp.test');
      await schedule({ kind: 'user', userId: alice.id }, { frequency: 'daily', hour: 6, timeZone: 'UTC' });
      await hold([alice.email]);
      const other = await fixture.reopen();
      // The fault that cannot be caused otherwise: the process dies while reading the items.
      const dying = node(
        {
          ...other,
          items: { ...other.items, listItems: async () => Promise.reject(new Error('process died')) },
        },
        'node-a',
      );
      const survivor = node(fixture, 'node-b');
      const first = await dying.runOnce();
      expect(first.outcomes.error).toBe(1);
      expect((await survivor.runOnce()).outcomes.busy).toBe(1);
      expect(smtp.arrived).toEqual([]);
      clock = new Date(clock.getTime() + LEASE_MS);
      expect((await survivor.runOnce()).outcomes.sent).toBe(1);
      expect((await dying.runOnce()).outcomes.not_due).toBe(1);
      expect(toOf(alice.email)).toHaveLength(1);
    });

    it('a node that dies while its digest is being delivered: never sent twice, its items listed again next time', async () => {
      const alice = await user('alice@corp.test');
      await schedule({ kind: 'user', userId: alice.id }, { frequency: 'daily', hour: 6, timeZone: 'UTC' });
      const [held] = await hold([alice.email], 'Held before the crash');
      const dying = node(await fixture.reopen(), 'node-a');
      const survivor = node(fixture, 'node-b');
      smtp.hold();
      const abandoned = dying.runOnce();
      await smtp.waitForArrivals(1);
      // node-a is "dead": its mail arrived but it never hears the answer before its lease ends.
      clock = new Date(clock.getTime() + LEASE_MS + 1000);
      const report = await survivor.runOnce();
      expect(report.outcomes.sent).toBe(0);
      expect(report.outcomes.not_due).toBe(1);
      const interrupted = await logs.waitFor((line) => line.event === 'DIGEST_INTERRUPTED');
      expect(interrupted).toMatchObject({ userId: alice.id, owner: 'node-a' });
      const state = (await fixture.digests.getDigestStates([alice.id])).get(alice.id)!;
      expect(state.lastError?.code).toBe('interrupted');
      smtp.release();
      await abandoned;
      await logs.waitFor((line) => line.event === 'DIGEST_RECORD_FAILED');
      expect(smtp.arrived).toHaveLength(1);

      clock = new Date('2026-03-28T06:00:00Z');
      await hold([alice.email], 'Held the next day');
      await survivor.runOnce();
      expect(smtp.arrived).toHaveLength(2);
      const next = parseDigest(smtp.arrived[1]!.raw);
      expect(next.text).toContain('Held before the crash');
      expect(next.text).toContain('Held the next day');
      expect(held).toBeDefined();
    });

    it('a refused digest is retried after digest.retrySeconds, then sent once', async () => {
      const alice = await user('alice@corp.test');
      await schedule({ kind: 'user', userId: alice.id }, { frequency: 'daily', hour: 6, timeZone: 'UTC' });
      await hold([alice.email]);
      const worker = node(fixture, 'node-a');
      smtp.onData = refuseNext(1, { code: 452, message: 'Mailbox full, try later' });
      expect((await worker.runOnce()).outcomes.failed).toBe(1);
      const refused = await logs.waitFor((line) => line.event === 'DIGEST_REFUSED');
      expect(refused).toMatchObject({ code: 'delivery_deferred' });
      expect(String(refused.reply)).toContain('Mailbox full');
      expect((await worker.runOnce()).outcomes.not_due).toBe(1);
      clock = new Date(clock.getTime() + 600_000);
      expect((await worker.runOnce()).outcomes.sent).toBe(1);
      expect((await worker.runOnce()).outcomes.not_due).toBe(1);
      expect(toOf(alice.email)).toHaveLength(1);
      const state = (await fixture.digests.getDigestStates([alice.id])).get(alice.id)!;
      expect(state).toMatchObject({ lastError: null, retryAt: null, lastSentAt: clock.toISOString() });
    });

    it('sends nothing for a period without new held mail, unless digest.sendEmpty', async () => {
      const alice = await user('alice@corp.test');
      await schedule({ kind: 'user', userId: alice.id }, { frequency: 'daily', hour: 6, timeZone: 'UTC' });
      const worker = node(fixture, 'node-a');
      expect((await worker.runOnce()).outcomes.empty).toBe(1);
      expect(smtp.arrived).toEqual([]);
      clock = new Date(clock.getTime() + 86_400_000);
      const sending = node(fixture, 'node-b', {
        config: { ...config(), digest: { ...config().digest, sendEmpty: true } },
      });
      expect((await sending.runOnce()).outcomes.sent).toBe(1);
      expect(parseDigest(smtp.deliveries[0]!.raw).text).toContain('0 new messages were held for you');
    });

    it('mail still settling keeps the period open: the next pass sends it rather than an empty period', async () => {
      const alice = await user('alice@corp.test');
      await schedule({ kind: 'user', userId: alice.id }, { frequency: 'daily', hour: 6, timeZone: 'UTC' });
      const settling = { ...config(), digest: { ...config().digest, settleSeconds: 60 } };
      const worker = node(fixture, 'node-a', { config: settling });
      await hold([alice.email], 'Just arrived');
      expect((await worker.runOnce()).outcomes.settling).toBe(1);
      expect(smtp.arrived).toEqual([]);
      expect((await fixture.digests.getDigestStates([alice.id])).get(alice.id)).toMatchObject({
        lastPeriod: null,
        claim: null,
      });

      clock = new Date(clock.getTime() + 60_000);
      expect((await worker.runOnce()).outcomes.sent).toBe(1);
      expect(parseDigest(toOf(alice.email)[0]!.raw).text).toContain('Subject: Just arrived');
      expect((await worker.runOnce()).outcomes.not_due).toBe(1);
    });

    it('administrators receive copies for their domains only when they chose a schedule', async () => {
      const dora = await user('dora@corp.test', {
        role: 'domain_admin',
        domains: ['corp.test', 'corp2.test'],
        addresses: [],
      });
      const root = await user('root@corp.test', { role: 'admin', addresses: [] });
      await schedule({ kind: 'global' }, { frequency: 'daily', hour: 6 });
      const worker = node(fixture, 'node-a');
      await hold(['x@corp.test', 'y@corp2.test', 'z@elsewhere.test']);
      await worker.runOnce();
      expect(smtp.arrived).toEqual([]);

      await schedule({ kind: 'user', userId: dora.id }, { frequency: 'daily', domains: ['corp2.test'] });
      await schedule(
        { kind: 'user', userId: root.id },
        { frequency: 'daily', domains: ['elsewhere.test', 'corp.test'] },
      );
      await worker.runOnce();
      const doraMail = parseDigest(toOf(dora.email)[0]!.raw);
      expect(doraMail.headers.subject).toBe('Quarantine digest: 1 message held for corp2.test');
      expect(doraMail.text).toContain('To: y@corp2.test');
      expect(doraMail.text).not.toContain('x@corp.test');
      const rootMail = parseDigest(toOf(root.email)[0]!.raw);
      expect(rootMail.text).toContain('To: x@corp.test');
      expect(rootMail.text).toContain('To: z@elsewhere.test');
    });
  });
}
