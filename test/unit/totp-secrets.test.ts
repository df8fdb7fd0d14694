import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSecretKey, SecretBox } from '../../src/auth/secrets.js';
import {
  beginTotp,
  confirmTotp,
  loadTotpSecrets,
  redeemSecondFactor,
  TOTP_KEY_FILE,
  type TotpDeps,
} from '../../src/auth/totp.js';
import { isLazaretError } from '../../src/core/errors.js';
import { SqliteAuditStore } from '../../src/store/sqlite/sqlite-audit-store.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteUserStore } from '../../src/store/sqlite/sqlite-user-store.js';
import { buildTotpFactor, buildUser } from '../support/builders.js';

const configError = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (isLazaretError(error, 'config_invalid')) return error;
    throw error;
  }
  throw new Error('expected config_invalid');
};

describe('SecretBox (AES-256-GCM)', () => {
  it('seals a secret so that only the same key and context open it, differently each time', () => {
    const box = SecretBox.ephemeral();
    const plain = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const sealed = box.seal(plain, 'user-1');
    expect(sealed).toMatch(/^sealed:v1:[\w-]+$/);
    expect(sealed).not.toContain(plain);
    expect(box.seal(plain, 'user-1')).not.toBe(sealed);
    expect(box.open(sealed, 'user-1')).toBe(plain);
    expect(configError(() => box.open(sealed, 'user-2')).message).toContain('auth.totpKeyFile');
    configError(() => SecretBox.ephemeral().open(sealed, 'user-1'));
    configError(() => box.open(`${sealed.slice(0, -4)}AAAA`, 'user-1'));
    // Written before secrets were sealed: read as it is.
    expect(box.open(plain, 'user-1')).toBe(plain);
  });

  it('takes a key of exactly 32 bytes in base64', () => {
    expect(parseSecretKey(`${randomBytes(32).toString('base64')}\n`, 'key file')).toHaveLength(32);
    expect(configError(() => parseSecretKey(randomBytes(16).toString('base64'), 'key file')).message).toMatch(
      /key file must hold 32 random bytes.*got 16 bytes/,
    );
    expect(() => new SecretBox(randomBytes(31))).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });
});

describe('TOTP secrets at rest', () => {
  let dir: string;
  let db: ReturnType<typeof openSqliteDatabase>;
  let deps: TotpDeps;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-totp-key-'));
    db = openSqliteDatabase(join(dir, 'db.sqlite'));
    deps = {
      users: new SqliteUserStore(db),
      audit: new SqliteAuditStore(db),
      now: () => new Date(),
      totpSecrets: loadTotpSecrets({ dataDir: dir, auth: {} }),
    };
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const storedColumn = (userId: string) =>
    (db.prepare('SELECT totp FROM users WHERE id = ?').get(userId) as { totp: string | null }).totp;

  it('generates one key into the data dir, readable only by its owner, and reads it again', async () => {
    const path = join(dir, TOTP_KEY_FILE);
    expect(((await stat(path)).mode & 0o777).toString(8)).toBe('600');
    const again = loadTotpSecrets({ dataDir: dir, auth: {} });
    expect(again.open(deps.totpSecrets.seal('secret', 'u'), 'u')).toBe('secret');
    expect(parseSecretKey(await readFile(path, 'utf8'), path)).toHaveLength(32);
  });

  it('reads a configured key file, and refuses a missing or malformed one', async () => {
    const file = join(dir, 'configured.key');
    await writeFile(file, randomBytes(32).toString('base64'));
    const configured = loadTotpSecrets({ dataDir: dir, auth: { totpKeyFile: file } });
    expect(configured.open(configured.seal('x', 'u'), 'u')).toBe('x');
    configError(() => deps.totpSecrets.open(configured.seal('x', 'u'), 'u'));
    const missing = configError(() =>
      loadTotpSecrets({ dataDir: dir, auth: { totpKeyFile: join(dir, 'nope.key') } }),
    );
    expect(missing.message).toContain('Cannot read auth.totpKeyFile');
    await writeFile(file, 'too short');
    configError(() => loadTotpSecrets({ dataDir: dir, auth: { totpKeyFile: file } }));
  });

  it('never stores the base32 secret: enrolment and every later write keep it sealed', async () => {
    const user = buildUser({ passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA' });
    await deps.users.createUser(user);
    const { secret } = await beginTotp(deps, { actor: null }, user);
    expect(storedColumn(user.id)).not.toContain(secret);
    expect(storedColumn(user.id)).toContain('sealed:v1:');
    const pending = (await deps.users.getUser(user.id))!;
    const { recoveryCodes } = await confirmTotp(deps, { actor: null }, pending, await generate({ secret }));
    expect(storedColumn(user.id)).not.toContain(secret);
    const active = (await deps.users.getUser(user.id))!;
    expect(await redeemSecondFactor(deps, active, recoveryCodes[0]!)).toBe('recovery_code');
    expect(storedColumn(user.id)).not.toContain(secret);
    expect(storedColumn(user.id)).toContain('sealed:v1:');
  });

  it('still reads a secret stored plain before sealing, and seals it at the next write', async () => {
    const user = buildUser({ passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA' });
    await deps.users.createUser(user);
    const legacy = buildTotpFactor();
    await deps.users.swapTotp(user.id, null, legacy, new Date().toISOString());
    expect(storedColumn(user.id)).toContain(legacy.secret);
    const code = await generate({ secret: legacy.secret });
    expect(await redeemSecondFactor(deps, (await deps.users.getUser(user.id))!, code)).toBe('totp');
    expect(storedColumn(user.id)).not.toContain(legacy.secret);
    const migrated = (await deps.users.getUser(user.id))!.totp!;
    expect(deps.totpSecrets.open(migrated.secret, user.id)).toBe(legacy.secret);
    expect(migrated).toMatchObject({
      confirmedAt: legacy.confirmedAt,
      recoveryCodeHashes: legacy.recoveryCodeHashes,
    });
  });
});
