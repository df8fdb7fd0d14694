import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { generateSecret, generateURI, verify } from 'otplib';
import type { Config } from '../config/load-config.js';
import type { Actor } from '../core/actor.js';
import { LazaretError } from '../core/errors.js';
import type { AuditStore } from '../store/audit-store.js';
import { type TotpFactor, tenantsOfUser, type UserRecord, type UserStore } from '../store/user-store.js';
import { mayResetTotp, mayUseTotp } from './access-policy.js';
import { type AuditOrigin, audit } from './audit.js';
import {
  hashSecret,
  parseSecretKey,
  readConfiguredFile,
  readOrCreateSecretFile,
  SECRET_BOX_KEY_BYTES,
  SecretBox,
} from './secrets.js';

export interface TotpDeps {
  users: UserStore;
  audit: AuditStore;
  now: () => Date;
  /** Seals the shared secrets in the user records (loadTotpSecrets). */
  totpSecrets: SecretBox;
}

/** The generated key of `auth.totpKeyFile`'s default, in dataDir (kept by `lazaret backup`). */
export const TOTP_KEY_FILE = 'totp-secret.key';

/**
 * The box that seals TOTP secrets at rest: the key of `auth.totpKeyFile`, else one generated on first
 * use into dataDir. A missing or malformed key file is `config_invalid`.
 */
export function loadTotpSecrets(config: {
  dataDir: string;
  auth: Pick<Config['auth'], 'totpKeyFile'>;
}): SecretBox {
  const file = config.auth.totpKeyFile;
  if (file === undefined) {
    const generated = readOrCreateSecretFile(config.dataDir, TOTP_KEY_FILE, () =>
      randomBytes(SECRET_BOX_KEY_BYTES).toString('base64'),
    );
    return new SecretBox(parseSecretKey(generated, join(config.dataDir, TOTP_KEY_FILE)));
  }
  const text = readConfiguredFile(file, 'auth.totpKeyFile', 'LAZARET_TOTP_KEY_FILE');
  return new SecretBox(parseSecretKey(text, `auth.totpKeyFile ${file}`));
}

/** The factor's secret as the app has it (opened, or as stored before secrets were sealed). */
function plainSecret(deps: Pick<TotpDeps, 'totpSecrets'>, userId: string, factor: TotpFactor): string {
  return deps.totpSecrets.open(factor.secret, userId);
}

/** The factor's secret as it is to be stored: sealed (a secret stored before sealing is sealed at this write). */
function storedSecret(deps: Pick<TotpDeps, 'totpSecrets'>, userId: string, factor: TotpFactor): string {
  return SecretBox.isSealed(factor.secret) ? factor.secret : deps.totpSecrets.seal(factor.secret, userId);
}

/** How the second step of a sign-in was passed. */
export type SecondFactorKind = 'totp' | 'recovery_code';

export const RECOVERY_CODE_COUNT = 10;
const ISSUER = 'Lazaret';
/** Codes of the neighbouring time steps are accepted too: phone clocks drift and people type slowly. */
const TOLERANCE_SECONDS = 30;
/** How often a use of the factor re-reads and retries when another sign-in changed it meanwhile. */
const SWAP_ATTEMPTS = 3;
const TOTP_CODE = /^\d{6}$/;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

const invalid = (message: string, reason: string) => new LazaretError('totp_invalid', message, { reason });

function confirmedFactor(user: UserRecord): TotpFactor | null {
  return user.totp?.confirmedAt ? user.totp : null;
}

/** Whether signing in as this user takes a code after the password. */
export function hasSecondFactor(user: UserRecord): boolean {
  return confirmedFactor(user) !== null;
}

/** Ten characters from an alphabet without look-alikes (0/o, 1/l/i), in two groups: `abcde-fghjk` (≈49 bits). */
function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((byte) => RECOVERY_ALPHABET[byte % RECOVERY_ALPHABET.length]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

function hashRecoveryCode(code: string): string {
  return hashSecret(code.toLowerCase().replace(/[\s-]/g, ''));
}

/** The time step `code` belongs to (within the tolerance), or null when it is no current code of `secret`. */
async function stepOf(secret: string, code: string, now: Date): Promise<number | null> {
  if (!TOTP_CODE.test(code)) return null;
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: TOLERANCE_SECONDS,
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

async function swapOrConflict(
  deps: Pick<TotpDeps, 'users' | 'now'>,
  user: UserRecord,
  next: TotpFactor | null,
): Promise<void> {
  if (!(await deps.users.swapTotp(user.id, user.totp ?? null, next, deps.now().toISOString()))) {
    throw new LazaretError('conflict', 'The second factor changed meanwhile; reload and try again.');
  }
}

/**
 * Starts (or restarts) enrolment: a new secret, pending until `confirmTotp`. Answers the secret and
 * the otpauth:// URI for an authenticator app; neither is answered again.
 */
export async function beginTotp(
  deps: TotpDeps,
  origin: AuditOrigin,
  user: UserRecord,
): Promise<{ secret: string; otpauthUri: string }> {
  if (!mayUseTotp(user)) {
    throw new LazaretError(
      'forbidden',
      'Accounts that sign in through a directory or an identity provider have their second factor there.',
    );
  }
  if (confirmedFactor(user)) {
    throw new LazaretError('totp_active', 'A second factor is active; remove it before enrolling a new one.');
  }
  const secret = generateSecret();
  await swapOrConflict(deps, user, {
    secret: deps.totpSecrets.seal(secret, user.id),
    confirmedAt: null,
    lastStep: null,
    recoveryCodeHashes: [],
  });
  await audit(deps, origin, {
    action: 'auth.totp_enrol',
    target: { userId: user.id },
    tenants: tenantsOfUser(user),
  });
  return { secret, otpauthUri: generateURI({ issuer: ISSUER, label: user.email, secret }) };
}

/**
 * Activates a pending factor with its first valid code and answers the recovery codes, shown once:
 * only their hashes are kept.
 */
export async function confirmTotp(
  deps: TotpDeps,
  origin: AuditOrigin,
  user: UserRecord,
  code: string,
): Promise<{ recoveryCodes: string[] }> {
  const pending = user.totp;
  if (!pending) throw new LazaretError('totp_not_enrolled', 'Start enrolment first.');
  if (pending.confirmedAt) throw new LazaretError('totp_active', 'The second factor is active already.');
  const now = deps.now();
  const step = await stepOf(plainSecret(deps, user.id, pending), code, now);
  if (step === null) {
    await audit(deps, origin, {
      action: 'auth.totp_confirm',
      outcome: 'failed',
      target: { userId: user.id },
      tenants: tenantsOfUser(user),
    });
    throw invalid('That is not the current code of the authenticator app.', 'wrong_code');
  }
  const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await swapOrConflict(deps, user, {
    ...pending,
    secret: storedSecret(deps, user.id, pending),
    confirmedAt: now.toISOString(),
    lastStep: step,
    recoveryCodeHashes: recoveryCodes.map(hashRecoveryCode),
  });
  await audit(deps, origin, {
    action: 'auth.totp_confirm',
    target: { userId: user.id },
    tenants: tenantsOfUser(user),
  });
  return { recoveryCodes };
}

/**
 * Checks a code of the user's active factor and records its use in one conditional write: a TOTP code
 * whose time step is not after the last accepted one is a replay, and a recovery code works once.
 * Rejects with `totp_invalid` (details.reason `wrong_code`, `replayed_code`), or `totp_not_enrolled`.
 */
export async function redeemSecondFactor(
  deps: TotpDeps,
  user: UserRecord,
  code: string,
): Promise<SecondFactorKind> {
  let current: UserRecord | null = user;
  for (let attempt = 0; attempt < SWAP_ATTEMPTS && current; attempt++) {
    const factor = confirmedFactor(current);
    if (!factor) throw new LazaretError('totp_not_enrolled', 'This account has no second factor.');
    const trimmed = code.trim();
    let next: TotpFactor;
    let kind: SecondFactorKind;
    if (TOTP_CODE.test(trimmed)) {
      const step = await stepOf(plainSecret(deps, current.id, factor), trimmed, deps.now());
      if (step === null) throw invalid('Wrong code.', 'wrong_code');
      if (factor.lastStep !== null && step <= factor.lastStep) {
        throw invalid('That code was used already; wait for the next one.', 'replayed_code');
      }
      next = { ...factor, secret: storedSecret(deps, current.id, factor), lastStep: step };
      kind = 'totp';
    } else {
      const hash = hashRecoveryCode(trimmed);
      if (!factor.recoveryCodeHashes.includes(hash)) {
        throw invalid('Wrong code, or a recovery code that was used already.', 'wrong_code');
      }
      next = {
        ...factor,
        secret: storedSecret(deps, current.id, factor),
        recoveryCodeHashes: factor.recoveryCodeHashes.filter((each) => each !== hash),
      };
      kind = 'recovery_code';
    }
    if (await deps.users.swapTotp(current.id, factor, next, deps.now().toISOString())) return kind;
    current = await deps.users.getUser(user.id);
  }
  throw new LazaretError('conflict', 'The second factor changed meanwhile; try again.');
}

/**
 * Removes a user's second factor: their own with a current code (or a recovery code), someone else's
 * by an administrator who manages them (a lost phone). Audited as `auth.totp_remove`.
 */
export async function removeTotp(
  deps: Omit<TotpDeps, 'totpSecrets'> & Partial<Pick<TotpDeps, 'totpSecrets'>>,
  origin: AuditOrigin & { actor: Actor },
  target: UserRecord,
  code: string | undefined,
): Promise<void> {
  const self = origin.actor.userId === target.id;
  if (!self && !mayResetTotp(origin.actor, target)) {
    throw new LazaretError(
      'forbidden',
      'Only an administrator who manages this user can remove their second factor.',
    );
  }
  if (!target.totp) throw new LazaretError('totp_not_enrolled', 'This account has no second factor.');
  if (self && confirmedFactor(target)) {
    if (code === undefined) {
      throw new LazaretError('totp_required', 'Removing your second factor takes a current code.');
    }
    if (!deps.totpSecrets) throw new LazaretError('internal_error', 'No key to check the code with.');
    await redeemSecondFactor({ ...deps, totpSecrets: deps.totpSecrets }, target, code);
  }
  const now = (await deps.users.getUser(target.id)) ?? target;
  await swapOrConflict(deps, now, null);
  await audit(deps, origin, {
    action: 'auth.totp_remove',
    target: { userId: target.id },
    tenants: tenantsOfUser(target),
    params: { by: self ? 'code' : 'administrator' },
  });
}
