import { describe, expect, it } from 'vitest';
import { presentAuditEntry, presentItem, presentMessage } from '../../src/api/presenters.js';
import { DEFAULT_ACCESS_RULES } from '../../src/auth/access-policy.js';
import type { Actor } from '../../src/core/actor.js';
import type { AuditEntry } from '../../src/store/audit-store.js';
import { admin, buildItems, buildMessage, domainAdmin, user } from '../support/builders.js';

/** One message to alice@a.test, bob@b.test and carol@b.test, every field that can name one filled in. */
const message = buildMessage({
  envelope: { mailFrom: 'spammer@bad.test', rcptTo: ['alice@a.test', 'bob@b.test', 'carol@b.test'] },
});
const [aliceItem] = buildItems(message, ['alice@a.test'], {
  details: {
    symbols: { FORGED_RECIPIENTS: { options: ['bob@b.test', 'alice@a.test'] } },
    'carol@b.test': 'key too',
    nested: [[{ deep: 'rcpt <carol@b.test>.' }]],
  },
  release: {
    to: ['alice@a.test', 'carol@b.test'],
    by: 'admin@admin.test',
    at: '2026-12-02T10:00:00.000Z',
    reply: '250 2.0.0 Ok: queued for alice@a.test, carol@b.test',
  },
  lastError: {
    code: 'delivery_rejected',
    detail: 'Refused for bob@b.test',
    at: '2026-12-02T10:00:00.000Z',
    reply: '550 5.1.1 <bob@b.test>: Recipient address rejected',
  },
});
const entry: AuditEntry = {
  id: '01JAAAAAAAAAAAAAAAAAAAAAAA',
  at: '2026-12-02T10:00:00.000Z',
  actor: { kind: 'user', id: 'u', label: 'admin@admin.test' },
  action: 'item.release',
  target: { itemIds: [aliceItem!.id] },
  tenants: ['a.test'],
  params: { recipients: ['alice@a.test', 'carol@b.test'] },
  outcome: 'ok',
};

/** Those who can see Alice's item at all (the policy keeps it from everyone else). */
const viewers: Record<string, { actor: Actor; hidden: string[] }> = {
  alice: { actor: user('alice@a.test'), hidden: ['bob@b.test', 'carol@b.test'] },
  domainAdminA: { actor: domainAdmin('a.test'), hidden: ['bob@b.test', 'carol@b.test'] },
  admin: { actor: admin, hidden: [] },
};

describe('presenters show each viewer only the addresses they may see', () => {
  it.each(Object.entries(viewers))('%s', (_name, { actor, hidden }) => {
    const shown = JSON.stringify([
      presentItem(aliceItem!, actor, DEFAULT_ACCESS_RULES),
      presentMessage(message, actor),
      presentAuditEntry(entry, actor),
    ]);
    for (const address of hidden) expect(shown).not.toContain(address);
    const all = ['alice@a.test', 'bob@b.test', 'carol@b.test'];
    expect(presentMessage(message, actor).envelope.rcptTo).toEqual(
      all.filter((address) => !hidden.includes(address)),
    );
  });

  it('keeps what the viewer may see, and the shape of the rest', () => {
    const item = presentItem(aliceItem!, user('alice@a.test'), DEFAULT_ACCESS_RULES);
    expect(item.release?.to).toEqual(['alice@a.test']);
    expect(item.lastError).toMatchObject({
      detail: 'Refused for [hidden]',
      reply: '550 5.1.1 <[hidden]>: Recipient address rejected',
    });
    expect(item.details).toEqual({
      symbols: { FORGED_RECIPIENTS: { options: ['[hidden]', 'alice@a.test'] } },
      '[hidden]': 'key too',
      nested: [[{ deep: 'rcpt <[hidden]>.' }]],
    });
    expect(presentItem(aliceItem!, admin, DEFAULT_ACCESS_RULES)).toMatchObject({
      details: aliceItem!.details,
      lastError: aliceItem!.lastError,
    });
  });
});
