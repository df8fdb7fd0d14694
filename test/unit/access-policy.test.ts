import { describe, expect, it } from 'vitest';
import {
  type AccessRules,
  administersAll,
  allowedActions,
  auditScope,
  canManageDomain,
  canManageUser,
  canSeeJob,
  DEFAULT_ACCESS_RULES,
  decideItem,
  type ItemAction,
  isAdministrator,
  jobScope,
  requireItem,
  scopeFilter,
  userScope,
} from '../../src/auth/access-policy.js';
import { sessionActor } from '../../src/auth/authenticate.js';
import { type Actor, systemActor } from '../../src/core/actor.js';
import { isLazaretError } from '../../src/core/errors.js';
import type { QuarantineItem } from '../../src/core/types.js';
import type { UserRecord } from '../../src/store/user-store.js';
import { buildItems, buildMessage, buildUser } from '../support/builders.js';

const person = (overrides: Partial<UserRecord>): UserRecord =>
  buildUser({
    id: 'U',
    email: 'x@corp.test',
    displayName: 'X',
    addresses: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  });

const alice = sessionActor(
  person({ email: 'alice@corp.test', addresses: ['alice@corp.test', 'al@corp.test'] }),
  'release',
);
const asker = sessionActor(person({ addresses: ['alice@corp.test'], releaseMode: 'request' }), 'release');
const defaultAsker = sessionActor(person({ addresses: ['alice@corp.test'] }), 'request');
const corpAdmin = sessionActor(person({ role: 'domain_admin', domains: ['corp.test'] }), 'release');
const otherAdmin = sessionActor(person({ role: 'domain_admin', domains: ['other.test'] }), 'release');
const admin = sessionActor(person({ role: 'admin' }), 'release');

function item(recipient: string, reason: QuarantineItem['reason'] = 'spam'): QuarantineItem {
  const message = buildMessage({ envelope: { mailFrom: 's@x.test', rcptTo: [recipient] } });
  return buildItems(message, [recipient], { reason })[0]!;
}

const decide = (
  actor: Actor,
  target: QuarantineItem,
  action: ItemAction,
  rules: AccessRules = DEFAULT_ACCESS_RULES,
) => {
  const decision = decideItem(actor, target, action, rules);
  return decision.allowed ? 'allow' : decision.code;
};

describe('access policy', () => {
  const spam = item('alice@corp.test');
  const alias = item('al@corp.test');
  const malware = item('alice@corp.test', 'malware');
  const foreign = item('carl@other.test');

  it('lets a user see their addresses and aliases, a domain admin their domains, an admin everything', () => {
    expect(decide(alice, spam, 'read')).toBe('allow');
    expect(decide(alice, alias, 'read')).toBe('allow');
    expect(decide(alice, foreign, 'read')).toBe('not_found');
    expect(decide(corpAdmin, spam, 'read')).toBe('allow');
    expect(decide(corpAdmin, foreign, 'read')).toBe('not_found');
    expect(decide(otherAdmin, spam, 'read')).toBe('not_found');
    expect(decide(admin, foreign, 'read')).toBe('allow');
    expect(decideItem(alice, null, 'read', DEFAULT_ACCESS_RULES)).toMatchObject({ code: 'not_found' });
  });

  it('narrows lists inside the query', () => {
    expect(scopeFilter(alice)).toEqual({ recipientIn: ['alice@corp.test', 'al@corp.test'] });
    expect(scopeFilter(corpAdmin)).toEqual({ tenantIn: ['corp.test'] });
    expect(scopeFilter(admin)).toEqual({});
  });

  it('answers a foreign item as not found for every action, before any role rule', () => {
    for (const action of [
      'read',
      'release',
      'delete',
      'request_release',
      'approve_release',
      'deny_release',
    ] as const) {
      expect(decide(alice, foreign, action)).toBe('not_found');
      expect(decide(otherAdmin, malware, action)).toBe('not_found');
    }
  });

  it('keeps malware release for admins by default, and opens it when configured', () => {
    expect(decide(alice, malware, 'release')).toBe('forbidden');
    expect(decide(corpAdmin, malware, 'release')).toBe('forbidden');
    expect(decide(corpAdmin, malware, 'approve_release')).toBe('forbidden');
    expect(decide(admin, malware, 'release')).toBe('allow');
    expect(decide(systemActor('job'), malware, 'release')).toBe('allow');
    expect(decide(corpAdmin, malware, 'release', { malwareRelease: 'domain_admin' })).toBe('allow');
    expect(decide(alice, malware, 'release', { malwareRelease: 'domain_admin' })).toBe('forbidden');
    expect(decide(alice, malware, 'release', { malwareRelease: 'user' })).toBe('allow');
    expect(decide(alice, malware, 'request_release')).toBe('allow');
  });

  it('makes users in request mode ask instead of release, by their own setting or the default', () => {
    expect(decide(alice, spam, 'release')).toBe('allow');
    expect(decide(asker, spam, 'release')).toBe('forbidden');
    expect(decide(defaultAsker, spam, 'release')).toBe('forbidden');
    expect(decideItem(asker, spam, 'release', DEFAULT_ACCESS_RULES)).toMatchObject({ canRequest: true });
    expect(decide(asker, spam, 'request_release')).toBe('allow');
    expect(decide(asker, spam, 'delete')).toBe('allow');
  });

  it('lets only admins and domain admins decide requests', () => {
    expect(decide(alice, spam, 'approve_release')).toBe('forbidden');
    expect(decide(alice, spam, 'deny_release')).toBe('forbidden');
    expect(decide(corpAdmin, spam, 'approve_release')).toBe('allow');
    expect(decide(corpAdmin, malware, 'deny_release')).toBe('allow');
  });

  it('throws not_found without naming the item, and forbidden with the hint', () => {
    const thrown = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error;
      }
      throw new Error('expected a throw');
    };
    const hidden = thrown(() => requireItem(alice, foreign, 'read', DEFAULT_ACCESS_RULES, foreign.id));
    expect(isLazaretError(hidden, 'not_found') && hidden.details).toBeUndefined();
    const refused = thrown(() => requireItem(alice, malware, 'release', DEFAULT_ACCESS_RULES, malware.id));
    expect(isLazaretError(refused, 'forbidden') && refused.details).toEqual({
      itemId: malware.id,
      canRequest: true,
    });
    expect(requireItem(alice, spam, 'read', DEFAULT_ACCESS_RULES, spam.id)).toBe(spam);
  });

  it('scopes the audit log and user lists, and refuses them to users', () => {
    expect(auditScope(admin)).toEqual({});
    expect(auditScope(corpAdmin)).toEqual({ tenantIn: ['corp.test'] });
    expect(() => auditScope(alice)).toThrow(/administrators/);
    expect(userScope(corpAdmin)).toEqual({ tenantIn: ['corp.test'] });
    expect(() => userScope(alice)).toThrow();
  });

  it('lets a domain admin manage only users whose addresses all lie in their domains', () => {
    expect(canManageUser(corpAdmin, { role: 'user', domains: [], addresses: ['a@corp.test'] })).toBe(true);
    expect(
      canManageUser(corpAdmin, { role: 'user', domains: [], addresses: ['a@corp.test', 'a@other.test'] }),
    ).toBe(false);
    expect(canManageUser(corpAdmin, { role: 'user', domains: [], addresses: [] })).toBe(false);
    expect(canManageUser(corpAdmin, { role: 'domain_admin', domains: ['corp.test'], addresses: [] })).toBe(
      false,
    );
    expect(canManageUser(corpAdmin, { role: 'admin', domains: [], addresses: [] })).toBe(false);
    expect(canManageUser(admin, { role: 'admin', domains: [], addresses: [] })).toBe(true);
    expect(canManageUser(alice, { role: 'user', domains: [], addresses: ['alice@corp.test'] })).toBe(false);
  });

  it('keeps attachments of malware for those who may release it', () => {
    expect(decide(alice, malware, 'download_attachment')).toBe('forbidden');
    expect(decide(corpAdmin, malware, 'download_attachment')).toBe('forbidden');
    expect(decide(corpAdmin, malware, 'download_attachment', { malwareRelease: 'domain_admin' })).toBe(
      'allow',
    );
    expect(decide(alice, malware, 'download_attachment', { malwareRelease: 'user' })).toBe('allow');
    expect(decide(asker, spam, 'download_attachment')).toBe('allow');
    expect(decide(otherAdmin, malware, 'download_attachment')).toBe('not_found');
  });

  it('lists the actions an item allows from the same decisions, its status and the credential', () => {
    const at = (overrides: Partial<QuarantineItem>) => ({ ...spam, ...overrides });
    expect(allowedActions(alice, spam, DEFAULT_ACCESS_RULES)).toEqual([
      'release',
      'force_release',
      'request_release',
      'delete',
      'download_attachment',
    ]);
    expect(allowedActions(asker, spam, DEFAULT_ACCESS_RULES)).toEqual([
      'request_release',
      'delete',
      'download_attachment',
    ]);
    expect(allowedActions(corpAdmin, malware, DEFAULT_ACCESS_RULES)).toEqual(['request_release', 'delete']);
    expect(allowedActions(corpAdmin, at({ status: 'release_requested' }), DEFAULT_ACCESS_RULES)).toEqual([
      'release',
      'force_release',
      'approve_release',
      'deny_release',
      'delete',
      'download_attachment',
    ]);
    // Sent already: only the forced release sends it again.
    expect(allowedActions(admin, at({ status: 'released' }), DEFAULT_ACCESS_RULES)).toEqual([
      'force_release',
      'delete',
      'download_attachment',
    ]);
    expect(allowedActions(admin, at({ status: 'releasing' }), DEFAULT_ACCESS_RULES)).toEqual([
      'download_attachment',
    ]);
    const interrupted = at({ lastError: { code: 'interrupted', detail: 'stopped', at: spam.receivedAt } });
    expect(allowedActions(admin, interrupted, DEFAULT_ACCESS_RULES)).toEqual([
      'force_release',
      'request_release',
      'delete',
      'download_attachment',
    ]);
    expect(allowedActions({ ...alice, scopes: ['read'] }, spam, DEFAULT_ACCESS_RULES)).toEqual([
      'download_attachment',
    ]);
    expect(allowedActions(alice, foreign, DEFAULT_ACCESS_RULES)).toEqual([]);
    expect(allowedActions(admin, at({ status: 'deleted' }), DEFAULT_ACCESS_RULES)).toEqual([]);
  });

  it('answers the other role questions: domains, administrators, jobs', () => {
    expect(canManageDomain(admin, 'any.test')).toBe(true);
    expect(canManageDomain(corpAdmin, 'corp.test')).toBe(true);
    expect(canManageDomain(corpAdmin, 'other.test')).toBe(false);
    expect(canManageDomain(alice, 'corp.test')).toBe(false);
    expect([admin, corpAdmin, alice].map(isAdministrator)).toEqual([true, true, false]);
    expect([admin, corpAdmin, alice].map(administersAll)).toEqual([true, false, false]);
    const job = { owner: { ...alice, id: 'U-alice' } };
    expect(canSeeJob({ ...alice, id: 'U-alice' }, job)).toBe(true);
    expect(canSeeJob(admin, job)).toBe(true);
    expect(canSeeJob(corpAdmin, job)).toBe(false);
    expect(jobScope(admin)).toEqual({});
    expect(jobScope(corpAdmin)).toEqual({ ownerId: corpAdmin.id });
  });
});
