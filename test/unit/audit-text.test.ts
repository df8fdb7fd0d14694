import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../web/src/api/types.js';
import { describeAuditEntry, targetPerson } from '../../web/src/lib/audit-text.js';
import { buildAuditEntry } from '../support/builders.js';

const entry = (overrides: Partial<AuditEntry>) => buildAuditEntry(overrides as never) as AuditEntry;

describe('audit entries in words (web/src/lib/audit-text.ts)', () => {
  it('tells a job or bulk action by its counts, with the failures summed', () => {
    expect(
      describeAuditEntry(
        entry({
          action: 'job.release',
          counts: { ok: 596, delivery_rejected: 2, delivery_deferred: 1 },
          params: { state: 'completed' },
        }),
      ),
    ).toBe('Released 599 items (596 ok, 3 failed)');
    expect(describeAuditEntry(entry({ action: 'items.bulk_delete', counts: { ok: 2 } }))).toBe(
      'Deleted 2 items (2 ok)',
    );
    expect(
      describeAuditEntry(entry({ action: 'job.release', counts: { ok: 1 }, params: { state: 'cancelled' } })),
    ).toBe('Released 1 item (1 ok) · cancelled');
  });

  it('names the person an entry was about by email: the API’s lookup first, else what it recorded', () => {
    const change = entry({
      action: 'user.password',
      target: { userId: '01J0000000000000000000000A', userEmail: 'ann@corp.test' },
    });
    expect(targetPerson(change)).toBe('ann@corp.test');
    expect(describeAuditEntry(change)).toBe('Set the password of ann@corp.test');
    const recorded = entry({ action: 'token.create', params: { name: 'cli', user: 'bob@corp.test' } });
    expect(describeAuditEntry(recorded)).toBe('Created token “cli” for bob@corp.test');
    expect(describeAuditEntry(entry({ action: 'user.disable', params: {} }))).toBe('Disabled a user');
  });

  it('tells sign-ins by their outcome and falls back to the action for unknown ones', () => {
    expect(describeAuditEntry(entry({ action: 'auth.login' }))).toBe('Signed in');
    expect(describeAuditEntry(entry({ action: 'auth.login', outcome: 'failed' }))).toBe('Sign-in failed');
    expect(describeAuditEntry(entry({ action: 'something.new' }))).toBe('something.new');
  });
});
