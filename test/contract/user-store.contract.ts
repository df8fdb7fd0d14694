import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import {
  externalIdOf,
  type SessionRecord,
  type UserRecord,
  type UserStore,
} from '../../src/store/user-store.js';
import { buildToken, buildTotpFactor, buildUser } from '../support/builders.js';
import type { MakeStores, StoreFixture } from './stores.js';

const AT = '2026-11-20T10:00:00.000Z';

const user = (overrides: Partial<UserRecord> = {}): UserRecord =>
  buildUser({
    displayName: 'Some One',
    addresses: ['some.one@corp.test'],
    passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
    createdAt: AT,
    ...overrides,
  });

const token = buildToken;

function session(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: newId(),
    secretHash: newId().toLowerCase().padEnd(64, '1'),
    userId,
    csrfToken: newId(),
    createdAt: AT,
    expiresAt: '2026-11-20T22:00:00.000Z',
    revokedAt: null,
    ...overrides,
  };
}

/** Users, tokens and sessions behave alike on every backend; tested only through the interface. */
export function userStoreContract(backend: string, makeStores: MakeStores): void {
  describe(`UserStore contract: ${backend}`, () => {
    let fixture: StoreFixture;
    let users: UserStore;

    beforeEach(async () => {
      fixture = await makeStores();
      users = fixture.users;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('stores a user and finds it by id and by email in any case, also after reopening', async () => {
      expect(await users.hasUsers()).toBe(false);
      const alice = user({ email: 'alice@corp.test', addresses: ['alice@corp.test', 'a.liddell@corp.test'] });
      await users.createUser(alice);
      expect(await users.hasUsers()).toBe(true);
      expect(await users.getUser(alice.id)).toEqual(alice);
      expect(await users.getUserByEmail('Alice@CORP.test')).toEqual(alice);
      expect(await users.getUserByEmail('nobody@corp.test')).toBeNull();
      expect(await users.getUser(newId())).toBeNull();
      expect(await (await fixture.reopen()).users.getUser(alice.id)).toEqual(alice);
    });

    it('refuses a second user with the same email, also when two create at once', async () => {
      await users.createUser(user({ email: 'dup@corp.test' }));
      await expect(users.createUser(user({ email: 'dup@corp.test' }))).rejects.toSatisfy((error) =>
        isLazaretError(error, 'user_exists'),
      );
      const other = (await fixture.reopen()).users;
      const results = await Promise.allSettled([
        users.createUser(user({ email: 'race@corp.test' })),
        other.createUser(user({ email: 'race@corp.test' })),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
      expect(isLazaretError(failed.reason, 'user_exists')).toBe(true);
    });

    it('updates only the given fields and moves the user between tenants', async () => {
      const bob = user({ email: 'bob@corp.test', addresses: ['bob@corp.test'] });
      await users.createUser(bob);
      const later = '2026-11-21T10:00:00.000Z';
      const changed = await users.updateUser(bob.id, {
        at: later,
        role: 'domain_admin',
        domains: ['other.test'],
        addresses: [],
        disabled: true,
        releaseMode: 'request',
      });
      expect(changed).toEqual({
        ...bob,
        role: 'domain_admin',
        domains: ['other.test'],
        addresses: [],
        disabled: true,
        releaseMode: 'request',
        updatedAt: later,
      });
      expect(await users.getUser(bob.id)).toEqual(changed);
      const inTenant = async (tenant: string) =>
        (await users.listUsers({ tenantIn: [tenant] }, { limit: 10 })).items.map((each) => each.id);
      expect(await inTenant('corp.test')).toEqual([]);
      expect(await inTenant('other.test')).toEqual([bob.id]);
      expect(await users.updateUser(newId(), { at: later, disabled: true })).toBeNull();
      const cleared = await users.updateUser(bob.id, { at: later, passwordHash: null, releaseMode: null });
      expect(cleared).toMatchObject({ passwordHash: null, releaseMode: null, domains: ['other.test'] });
    });

    it('lists users by email with role and tenant filters, page by page', async () => {
      const made = [
        user({ email: 'c@corp.test', addresses: ['c@corp.test'] }),
        user({ email: 'a@corp.test', addresses: ['a@corp.test', 'alias@alias.test'] }),
        user({ email: 'd@x.test', role: 'domain_admin', addresses: [], domains: ['corp.test', 'x.test'] }),
        user({ email: 'b@other.test', addresses: ['b@other.test'] }),
        user({ email: 'root@x.test', role: 'admin', addresses: [] }),
      ];
      for (const each of made) await users.createUser(each);
      const emails = async (filter: Parameters<UserStore['listUsers']>[0]) =>
        (await users.listUsers(filter, { limit: 50 })).items.map((each) => each.email);
      expect(await emails({})).toEqual([
        'a@corp.test',
        'b@other.test',
        'c@corp.test',
        'd@x.test',
        'root@x.test',
      ]);
      expect(await emails({ role: 'user' })).toEqual(['a@corp.test', 'b@other.test', 'c@corp.test']);
      expect(await emails({ tenantIn: ['corp.test'] })).toEqual(['a@corp.test', 'c@corp.test', 'd@x.test']);
      expect(await emails({ tenantIn: ['alias.test'] })).toEqual(['a@corp.test']);
      expect(await emails({ tenantIn: [] })).toEqual([]);
      expect(await emails({ role: 'domain_admin', tenantIn: ['x.test'] })).toEqual(['d@x.test']);

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await users.listUsers({}, { limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((each) => each.email));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(await emails({}));
    });

    it('finds tokens by secret hash, lists them newest first, and revokes once', async () => {
      const owner = user();
      const other = user();
      await users.createUser(owner);
      await users.createUser(other);
      const first = token(owner.id, {
        createdAt: '2026-11-20T10:00:00.000Z',
        expiresAt: '2026-12-20T10:00:00.000Z',
      });
      const second = token(owner.id, { createdAt: '2026-11-20T11:00:00.000Z', scope: 'release' });
      const foreign = token(other.id, { createdAt: '2026-11-20T12:00:00.000Z', scope: 'admin' });
      for (const each of [first, second, foreign]) await users.createToken(each);

      expect(await users.getToken(first.id)).toEqual(first);
      expect(await users.getTokenBySecretHash(second.secretHash)).toEqual(second);
      expect(await users.getTokenBySecretHash('0'.repeat(64))).toBeNull();
      expect((await users.listTokens({ userId: owner.id }, { limit: 10 })).items).toEqual([second, first]);
      const page1 = await users.listTokens({}, { limit: 2 });
      expect(page1.items.map((each) => each.id)).toEqual([foreign.id, second.id]);
      const page2 = await users.listTokens({}, { limit: 2, cursor: page1.nextCursor! });
      expect(page2).toEqual({ items: [first], nextCursor: null });

      const revoked = await users.revokeToken(first.id, '2026-11-21T00:00:00.000Z');
      expect(revoked).toEqual({ ...first, revokedAt: '2026-11-21T00:00:00.000Z' });
      const again = await users.revokeToken(first.id, '2026-11-22T00:00:00.000Z');
      expect(again?.revokedAt).toBe('2026-11-21T00:00:00.000Z');
      expect(await users.revokeToken(newId(), AT)).toBeNull();
      expect((await users.getToken(second.id))?.revokedAt).toBeNull();
    });

    it('records the last use of a token and never moves it backwards', async () => {
      const owner = user();
      await users.createUser(owner);
      const each = token(owner.id);
      await users.createToken(each);
      await users.touchToken(each.id, '2026-11-20T12:00:00.000Z');
      expect((await users.getToken(each.id))?.lastUsedAt).toBe('2026-11-20T12:00:00.000Z');
      await users.touchToken(each.id, '2026-11-20T11:00:00.000Z');
      expect((await users.getToken(each.id))?.lastUsedAt).toBe('2026-11-20T12:00:00.000Z');
    });

    it('finds the users who receive an address, following address changes', async () => {
      const alice = user({ email: 'alice@corp.test', addresses: ['alice@corp.test', 'Shared@Corp.test'] });
      const bob = user({ email: 'bob@corp.test', addresses: ['bob@corp.test', 'shared@corp.test'] });
      const admin = user({ email: 'root@corp.test', role: 'admin', addresses: [] });
      for (const each of [alice, bob, admin]) await users.createUser(each);
      const emails = async (address: string) =>
        (await users.findUsersByAddress(address)).map((each) => each.email);
      expect(await emails('SHARED@corp.test')).toEqual(['alice@corp.test', 'bob@corp.test']);
      expect(await emails('alice@corp.test')).toEqual(['alice@corp.test']);
      expect(await emails('nobody@corp.test')).toEqual([]);
      await users.updateUser(alice.id, { at: AT, addresses: ['alice@corp.test', 'alice.new@corp.test'] });
      expect(await emails('shared@corp.test')).toEqual(['bob@corp.test']);
      expect(await emails('alice.new@corp.test')).toEqual(['alice@corp.test']);
      expect((await (await fixture.reopen()).users.findUsersByAddress('bob@corp.test'))[0]).toEqual(bob);
    });

    it('keeps sessions by secret hash and revokes one, or all of a user', async () => {
      const owner = user();
      const other = user();
      await users.createUser(owner);
      await users.createUser(other);
      const one = session(owner.id, { ip: '192.0.2.7' });
      const two = session(owner.id);
      const theirs = session(other.id);
      for (const each of [one, two, theirs]) await users.createSession(each);
      expect(await users.getSessionBySecretHash(one.secretHash)).toEqual(one);
      expect(await users.getSessionBySecretHash('f'.repeat(64))).toBeNull();

      await users.revokeSession(one.id, '2026-11-20T11:00:00.000Z');
      await users.revokeSession(one.id, '2026-11-20T12:00:00.000Z');
      expect((await users.getSessionBySecretHash(one.secretHash))?.revokedAt).toBe(
        '2026-11-20T11:00:00.000Z',
      );

      expect(await users.revokeUserSessions(owner.id, '2026-11-20T13:00:00.000Z')).toBe(1);
      expect((await users.getSessionBySecretHash(two.secretHash))?.revokedAt).toBe(
        '2026-11-20T13:00:00.000Z',
      );
      expect((await users.getSessionBySecretHash(theirs.secretHash))?.revokedAt).toBeNull();
      expect(await users.revokeUserSessions(owner.id, '2026-11-20T14:00:00.000Z')).toBe(0);
    });

    it('keeps a second factor in the user record, changed only from the state the caller read', async () => {
      const owner = user({ email: 'factor@corp.test' });
      await users.createUser(owner);
      expect((await users.getUser(owner.id))?.totp).toBeUndefined();

      const pending = buildTotpFactor({ confirmedAt: null });
      expect(await users.swapTotp(owner.id, buildTotpFactor(), pending, AT)).toBe(false);
      expect(await users.swapTotp(owner.id, null, pending, AT)).toBe(true);
      expect(await users.swapTotp(owner.id, null, pending, AT)).toBe(false);
      expect((await users.getUserByEmail('factor@corp.test'))?.totp).toEqual(pending);

      const active = { ...pending, confirmedAt: AT, lastStep: 58_000_000 };
      expect(await users.swapTotp(owner.id, pending, active, '2026-11-20T10:01:00.000Z')).toBe(true);
      const changed = await users.updateUser(owner.id, {
        at: '2026-11-20T10:02:00.000Z',
        displayName: 'Renamed',
      });
      expect(changed?.totp).toEqual(active);
      expect((await users.listUsers({}, { limit: 10 })).items[0]?.totp).toEqual(active);
      expect((await users.findUsersByAddress('some.one@corp.test'))[0]?.totp).toEqual(active);
      expect((await (await fixture.reopen()).users.getUser(owner.id))?.totp).toEqual(active);
      expect(await users.swapTotp(newId(), null, pending, AT)).toBe(false);
    });

    it('lets only one of two sign-ins that read the same factor record its use', async () => {
      const owner = user();
      await users.createUser(owner);
      const factor = buildTotpFactor();
      await users.swapTotp(owner.id, null, factor, AT);
      const wins = await Promise.all(
        [58_000_001, 58_000_002].map((lastStep) =>
          users.swapTotp(owner.id, factor, { ...factor, lastStep, recoveryCodeHashes: [] }, AT),
        ),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      const stored = (await users.getUser(owner.id))?.totp;
      expect(stored?.lastStep).toBe(wins[0] ? 58_000_001 : 58_000_002);

      expect(await users.swapTotp(owner.id, factor, null, AT)).toBe(false);
      expect(await users.swapTotp(owner.id, stored ?? null, null, AT)).toBe(true);
      expect((await users.getUser(owner.id))?.totp).toBeUndefined();
    });

    it('finds a user by the identity they are linked to, also after reopening, and keeps each identity to one user', async () => {
      const linked = user({ email: 'linked@corp.test', externalId: externalIdOf('oidc', 'corp', 'sub-1') });
      await users.createUser(linked);
      expect(await users.getUserByExternalId('oidc:corp:sub-1')).toEqual(linked);
      expect(await users.getUserByExternalId('oidc:corp:sub-2')).toBeNull();
      expect(await users.getUserByExternalId('oidc:other:sub-1')).toBeNull();
      expect(await (await fixture.reopen()).users.getUserByExternalId('oidc:corp:sub-1')).toEqual(linked);
      await expect(
        users.createUser(user({ email: 'other@corp.test', externalId: 'oidc:corp:sub-1' })),
      ).rejects.toSatisfy((error) => isLazaretError(error, 'user_exists'));
      expect(await users.getUserByEmail('other@corp.test')).toBeNull();
      expect(await users.getUserByExternalId('oidc:corp:sub-1')).toEqual(linked);
      const local = user({ email: 'local@corp.test' });
      await users.createUser(local);
      expect((await users.getUser(local.id))?.externalId).toBeUndefined();
    });

    it('links, moves and unlinks an identity with updateUser, refusing one another user holds', async () => {
      const first = user({ email: 'first@corp.test' });
      const second = user({ email: 'second@corp.test', externalId: 'oidc:corp:taken' });
      await users.createUser(first);
      await users.createUser(second);
      const later = '2026-11-21T10:00:00.000Z';

      const linked = await users.updateUser(first.id, { at: later, externalId: 'oidc:corp:one' });
      expect(linked).toEqual({ ...first, externalId: 'oidc:corp:one', updatedAt: later });
      expect(await users.getUserByExternalId('oidc:corp:one')).toEqual(linked);

      const moved = await users.updateUser(first.id, { at: later, externalId: 'oidc:corp:two' });
      expect(moved?.externalId).toBe('oidc:corp:two');
      expect(await users.getUserByExternalId('oidc:corp:one')).toBeNull();
      expect((await users.getUserByExternalId('oidc:corp:two'))?.id).toBe(first.id);

      await expect(
        users.updateUser(first.id, { at: '2026-11-22T10:00:00.000Z', externalId: 'oidc:corp:taken' }),
      ).rejects.toSatisfy((error) => isLazaretError(error, 'user_exists'));
      expect(await users.getUser(first.id)).toEqual(moved);
      expect((await users.getUserByExternalId('oidc:corp:taken'))?.id).toBe(second.id);

      const renamed = await users.updateUser(first.id, { at: later, displayName: 'Kept link' });
      expect(renamed?.externalId).toBe('oidc:corp:two');
      const unlinked = await users.updateUser(first.id, { at: later, externalId: null });
      expect(unlinked?.externalId).toBeUndefined();
      expect(await users.getUserByExternalId('oidc:corp:two')).toBeNull();
      expect((await (await fixture.reopen()).users.getUser(first.id))?.externalId).toBeUndefined();
      // The identity let go of can be taken by someone else.
      expect(
        (await users.updateUser(second.id, { at: later, externalId: 'oidc:corp:two' }))?.externalId,
      ).toBe('oidc:corp:two');
      expect((await users.getUserByExternalId('oidc:corp:two'))?.id).toBe(second.id);
      expect(await users.getUserByExternalId('oidc:corp:taken')).toBeNull();
    });
  });
}
