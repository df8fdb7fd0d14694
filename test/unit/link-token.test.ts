import { describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { bytesToUlid, LINK_ACTIONS, LinkSigner, ulidToBytes } from '../../src/digest/link-token.js';

const OLD = 'old-key-0123456789abcdef0123456789abcdef';
const NEW = 'new-key-0123456789abcdef0123456789abcdef';
const NOW = new Date('2026-11-20T10:00:00Z');
const LATER = new Date('2026-11-23T10:00:00Z');

function code(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isLazaretError(error)) return error.code;
    throw error;
  }
  return 'ok';
}

describe('link tokens', () => {
  const userId = newId();
  const itemIds = [newId(), newId(), newId()];

  it('converts ULIDs to 16 bytes and back', () => {
    for (const id of [newId(), '00000000000000000000000000', '7ZZZZZZZZZZZZZZZZZZZZZZZZZ']) {
      expect(bytesToUlid(ulidToBytes(id))).toBe(id);
    }
  });

  it('names user, items, action and expiry, for every action', () => {
    const signer = new LinkSigner([NEW]);
    for (const action of LINK_ACTIONS) {
      const token = signer.sign({ action, userId, itemIds, expiresAt: LATER });
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(signer.verify(token, NOW)).toEqual({ action, userId, itemIds, expiresAt: LATER });
    }
  });

  it('keeps "release all" links compact: 16 bytes an item', () => {
    const signer = new LinkSigner([NEW]);
    const length = (count: number) =>
      signer.sign({
        action: 'release_all',
        userId,
        itemIds: Array.from({ length: count }, () => newId()),
        expiresAt: LATER,
      }).length;
    // digest.maxItems: 50 by default, 100 at most.
    expect(length(50)).toBeLessThan(1200);
    expect(length(100)).toBeLessThan(2300);
    const many = Array.from({ length: 100 }, () => newId());
    const token = signer.sign({ action: 'release_all', userId, itemIds: many, expiresAt: LATER });
    expect(signer.verify(token, NOW).itemIds).toEqual(many);
  });

  it('refuses a token with any single byte changed, as link_invalid', () => {
    const signer = new LinkSigner([NEW]);
    const token = signer.sign({ action: 'release', userId, itemIds, expiresAt: LATER });
    const bytes = Buffer.from(token, 'base64url');
    for (let index = 0; index < bytes.length; index += 1) {
      const changed = Buffer.from(bytes);
      changed[index] = changed[index]! ^ 0x01;
      expect(
        code(() => signer.verify(changed.toString('base64url'), NOW)),
        `byte ${index}`,
      ).toBe('link_invalid');
    }
  });

  it('refuses garbage, truncations and extensions as link_invalid', () => {
    const signer = new LinkSigner([NEW]);
    const token = signer.sign({ action: 'delete', userId, itemIds: [itemIds[0]!], expiresAt: LATER });
    for (const bad of [
      '',
      'x',
      'not a token!',
      token.slice(0, -1),
      token.slice(0, 20),
      `${token}AA`,
      `${token}x`,
      'A'.repeat(9000),
    ]) {
      expect(
        code(() => signer.verify(bad, NOW)),
        JSON.stringify(bad.slice(0, 30)),
      ).toBe('link_invalid');
    }
  });

  it('accepts only the one spelling of a token: no stray characters, no changed unused bits', () => {
    const signer = new LinkSigner([NEW]);
    for (const count of [1, 2, 3]) {
      const token = signer.sign({
        action: 'release',
        userId,
        itemIds: itemIds.slice(0, count),
        expiresAt: LATER,
      });
      expect(signer.verify(token, NOW).itemIds).toHaveLength(count);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(token.at(-1)!);
      const sameBytes = [...alphabet].filter(
        (char, index) =>
          index !== last &&
          Buffer.from(`${token.slice(0, -1)}${char}`, 'base64url').equals(Buffer.from(token, 'base64url')),
      );
      for (const variant of [...sameBytes.map((char) => `${token.slice(0, -1)}${char}`), `${token}x`]) {
        expect(
          code(() => signer.verify(variant, NOW)),
          variant.slice(-4),
        ).toBe('link_invalid');
      }
    }
  });

  it('refuses an expired token as link_expired, from the second of its expiry on', () => {
    const signer = new LinkSigner([NEW]);
    const token = signer.sign({ action: 'release', userId, itemIds, expiresAt: LATER });
    expect(code(() => signer.verify(token, new Date(LATER.getTime() - 1)))).toBe('ok');
    expect(code(() => signer.verify(token, LATER))).toBe('link_expired');
    // An altered token is invalid, expired or not: expiry is read only from a signed token.
    const altered = Buffer.from(token, 'base64url');
    altered[3] = altered[3]! ^ 0xff;
    expect(
      code(() => signer.verify(altered.toString('base64url'), new Date(LATER.getTime() + 86_400_000))),
    ).toBe('link_invalid');
  });

  it('signs with the first key and accepts the others, so keys can be rotated', () => {
    const before = new LinkSigner([OLD]);
    const during = new LinkSigner([NEW, OLD]);
    const after = new LinkSigner([NEW]);
    const oldToken = before.sign({ action: 'release', userId, itemIds, expiresAt: LATER });
    const newToken = during.sign({ action: 'release', userId, itemIds, expiresAt: LATER });
    expect(during.verify(oldToken, NOW).userId).toBe(userId);
    expect(after.verify(newToken, NOW).userId).toBe(userId);
    expect(code(() => after.verify(oldToken, NOW))).toBe('link_invalid');
    expect(
      code(() => new LinkSigner(['another-server-key-0123456789abcdef0123']).verify(newToken, NOW)),
    ).toBe('link_invalid');
  });

  it('refuses to sign no items or too many', () => {
    const signer = new LinkSigner([NEW]);
    expect(() => signer.sign({ action: 'release', userId, itemIds: [], expiresAt: LATER })).toThrow();
    expect(() =>
      signer.sign({
        action: 'release_all',
        userId,
        itemIds: Array.from({ length: 201 }, () => newId()),
        expiresAt: LATER,
      }),
    ).toThrow();
  });
});

describe('digest seals', () => {
  const maxAge = 7 * 86_400_000;

  it('recognise a digest sent to the recipient within the allowed age, with any accepted key', () => {
    const seal = new LinkSigner([OLD]).sealDigest('Alice@Corp.test', NOW);
    const verifier = new LinkSigner([NEW, OLD]);
    expect(verifier.verifySeal(seal, 'alice@corp.test', new Date(NOW.getTime() + 60_000), maxAge)).toBe(true);
    expect(verifier.verifySeal(seal, 'bob@corp.test', NOW, maxAge)).toBe(false);
    expect(
      verifier.verifySeal(seal, 'alice@corp.test', new Date(NOW.getTime() + maxAge + 1000), maxAge),
    ).toBe(false);
    expect(new LinkSigner([NEW]).verifySeal(seal, 'alice@corp.test', NOW, maxAge)).toBe(false);
    expect(verifier.verifySeal(seal.replace(/t=\d/, 't=9'), 'alice@corp.test', NOW, maxAge)).toBe(false);
    expect(verifier.verifySeal('v=1; t=1; s=forged', 'alice@corp.test', NOW, maxAge)).toBe(false);
  });

  it('are not link tokens and link tokens are not seals: the keys are kept apart', () => {
    const signer = new LinkSigner([NEW]);
    const seal = signer.sealDigest('alice@corp.test', NOW);
    expect(code(() => signer.verify(seal.slice(seal.indexOf('s=') + 2), NOW))).toBe('link_invalid');
  });
});
