import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { LazaretError } from '../core/errors.js';

/** An unguessable value (256 bits) with a prefix that says what it is, e.g. `lzt_…` for API tokens. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 is enough for 256-bit random secrets: the stored hash cannot be turned back into a credential. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The text of a file a configuration key names (a secret, a key). Unreadable → `config_invalid`
 * naming the key (and its environment variable), so a start fails with what to fix.
 */
export function readConfiguredFile(path: string, key: string, env?: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new LazaretError('config_invalid', `Cannot read ${key} ${path}: ${(error as Error).message}`, {
      key,
      ...(env === undefined ? {} : { env }),
    });
  }
}

export const TOKEN_PREFIX = 'lzt_';
export const SESSION_PREFIX = 'lzs_';

/**
 * The contents of `dir/name`, created with `make()` on first use. Creating it is atomic (temporary
 * file with mode 600, fsync, hard link), so processes starting together on one folder all end up with
 * the same secret.
 */
export function readOrCreateSecretFile(dir: string, name: string, make: () => string): string {
  const path = join(dir, name);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dir, { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${make()}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
    const folder = openSync(dir, 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  return readFileSync(path, 'utf8').trim();
}

const SEALED = 'sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes of a SecretBox key (AES-256). */
export const SECRET_BOX_KEY_BYTES = 32;

/**
 * Encrypts small secrets that must be read back (TOTP shared secrets) with AES-256-GCM under one key,
 * each bound to what it belongs to (`context`, e.g. the user id) so that a sealed value copied to
 * another record does not open. Sealed values read `sealed:v1:<base64url of iv, tag, ciphertext>`.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRET_BOX_KEY_BYTES) {
      throw new LazaretError('config_invalid', `A secret key must be ${SECRET_BOX_KEY_BYTES} bytes.`);
    }
    this.key = key;
  }

  /** A box with a key of its own, for a process that keeps nothing across restarts (tests, benches). */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(SECRET_BOX_KEY_BYTES));
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(SEALED);
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${SEALED}${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /**
   * The plain secret: opened when sealed, as stored when it was written before secrets were sealed.
   * Rejects with `config_invalid` when it was sealed under another key (nodes without the same key
   * file) or for another context.
   */
  open(stored: string, context: string): string {
    if (!SecretBox.isSealed(stored)) return stored;
    const raw = Buffer.from(stored.slice(SEALED.length), 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new LazaretError(
        'config_invalid',
        'A stored secret does not open with this key: every node must use the same key (auth.totpKeyFile).',
      );
    }
  }
}

/** The key in a key file: base64 (or base64url) of 32 random bytes on one line. */
export function parseSecretKey(text: string, source: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== SECRET_BOX_KEY_BYTES) {
    throw new LazaretError(
      'config_invalid',
      `${source} must hold ${SECRET_BOX_KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`), got ${key.length} bytes.`,
    );
  }
  return key;
}
