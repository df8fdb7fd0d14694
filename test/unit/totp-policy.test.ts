import { describe, expect, it } from 'vitest';
import { presentUser } from '../../src/api/presenters.js';
import { mayResetTotp, mayUseTotp, mustEnrolTotp } from '../../src/auth/access-policy.js';
import { sessionActor } from '../../src/auth/authenticate.js';
import type { Role } from '../../src/core/actor.js';
import type { UserRecord } from '../../src/store/user-store.js';
import { buildTotpFactor, buildUser } from '../support/builders.js';

const HASH = 'scrypt$16384$8$1$c2FsdA$aGFzaA';
const local = (role: Role, overrides: Partial<UserRecord> = {}) =>
  buildUser({
    role,
    passwordHash: HASH,
    domains: role === 'domain_admin' ? ['corp.test'] : [],
    addresses: role === 'user' ? ['someone@corp.test'] : [],
    ...overrides,
  });

describe('second factor in the access policy', () => {
  it('requires enrolment of local administrators of both kinds without a confirmed factor, only when configured', () => {
    for (const role of ['admin', 'domain_admin'] as const) {
      expect(mustEnrolTotp(local(role), true)).toBe(true);
      expect(mustEnrolTotp(local(role), false)).toBe(false);
      expect(mustEnrolTotp(local(role, { totp: buildTotpFactor({ confirmedAt: null }) }), true)).toBe(true);
      expect(mustEnrolTotp(local(role, { totp: buildTotpFactor() }), true)).toBe(false);
      expect(mustEnrolTotp(local(role, { passwordHash: null }), true)).toBe(false);
    }
    expect(mustEnrolTotp(local('user'), true)).toBe(false);
  });

  it('offers a factor to local accounts only', () => {
    expect(mayUseTotp(local('user'))).toBe(true);
    expect(mayUseTotp(local('user', { passwordHash: null }))).toBe(false);
  });

  it('lets an administrator reset the factor of people they manage, never their own', () => {
    const root = local('admin');
    const dora = local('domain_admin');
    const inCorp = local('user');
    const elsewhere = local('user', { addresses: ['x@other.test'] });
    const asActor = (who: UserRecord) => sessionActor(who, 'release');
    expect(mayResetTotp(asActor(root), inCorp)).toBe(true);
    expect(mayResetTotp(asActor(root), dora)).toBe(true);
    expect(mayResetTotp(asActor(root), root)).toBe(false);
    expect(mayResetTotp(asActor(dora), inCorp)).toBe(true);
    expect(mayResetTotp(asActor(dora), elsewhere)).toBe(false);
    expect(mayResetTotp(asActor(dora), root)).toBe(false);
    expect(mayResetTotp(asActor(inCorp), elsewhere)).toBe(false);
  });
});

describe('presentUser and the second factor', () => {
  it('answers the state of the factor and never its secret or recovery codes', () => {
    const factor = buildTotpFactor();
    const cases: [UserRecord, string][] = [
      [local('user'), 'none'],
      [local('user', { totp: { ...factor, confirmedAt: null } }), 'pending'],
      [local('user', { totp: factor }), 'active'],
      [local('user', { passwordHash: null }), 'unavailable'],
    ];
    for (const [user, state] of cases) {
      const presented = presentUser(user);
      expect(presented.totp).toBe(state);
      const text = JSON.stringify(presented);
      expect(text).not.toContain(factor.secret);
      for (const hash of factor.recoveryCodeHashes) expect(text).not.toContain(hash);
    }
  });
});
