import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, verifyPassword } from '../../src/auth/password.js';

describe('password hashing', () => {
  it('records scrypt and its parameters with a fresh salt per hash', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(first.split('$')[4]).not.toBe(second.split('$')[4]);
    expect(first).not.toBe(second);
  });

  it('verifies the right password only, also with the parameters of an older hash', async () => {
    const cheap = await hashPassword('s3cret-enough', { N: 1024, r: 8, p: 1 });
    expect(cheap.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('s3cret-enough', cheap)).toBe(true);
    expect(await verifyPassword('s3cret-enougH', cheap)).toBe(false);
    expect(await verifyPassword('', cheap)).toBe(false);
  });

  it('treats composed and decomposed Unicode alike', async () => {
    const hash = await hashPassword('Jürgen-passwort', { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword('Ju\u0308rgen-passwort', hash)).toBe(true);
  });

  it('never matches a malformed hash', async () => {
    for (const broken of [
      '',
      'bcrypt$x',
      'scrypt$0$8$1$c2FsdA$aGFzaA',
      'scrypt$1024$8$1$c2FsdA$',
      'scrypt$a$b$c$d$e',
    ]) {
      expect(await verifyPassword('anything', broken)).toBe(false);
    }
  });

  it('generates passwords of the asked length from an alphabet without look-alikes', () => {
    const seen = new Set(Array.from({ length: 50 }, () => generatePassword()));
    expect(seen.size).toBe(50);
    for (const password of seen) expect(password).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{20}$/);
    expect(generatePassword(32)).toHaveLength(32);
  });
});
