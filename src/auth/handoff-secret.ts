import type { Config } from '../config/load-config.js';
import { LazaretError } from '../core/errors.js';
import { readConfiguredFile, sameSecret } from './secrets.js';

/** Shorter shared secrets are refused at start (handoff.rspamd.secret, or the file's line). */
const MIN_SECRET_LENGTH = 16;

/**
 * The rspamd hand-off's shared secret: handoff.rspamd.secretFile's line (read now, a trailing newline
 * ignored) or handoff.rspamd.secret; undefined when neither is set (the hand-off is off). An unreadable
 * file or a secret under 16 characters is `config_invalid`.
 */
export function loadHandoffSecret(config: Pick<Config, 'handoff'>): string | undefined {
  const { secret, secretFile } = config.handoff.rspamd;
  if (secretFile === undefined) return secret;
  const text = readConfiguredFile(secretFile, 'handoff.rspamd.secretFile').replace(/\r?\n$/, '');
  if (text.trim().length < MIN_SECRET_LENGTH) {
    throw new LazaretError(
      'config_invalid',
      `Invalid configuration handoff.rspamd.secretFile: the secret in ${secretFile} must have at least ${MIN_SECRET_LENGTH} characters`,
      { key: 'handoff.rspamd.secretFile' },
    );
  }
  return text;
}

/**
 * Whether an Authorization header carries the hand-off secret: `Basic` with the secret as the password
 * (rspamd's metadata_exporter sends its rule's `user` and `password` so; the user name is not checked)
 * or `Bearer <secret>`. Compared in constant time.
 */
export function carriesHandoffSecret(authorization: string | undefined, secret: string): boolean {
  if (authorization === undefined) return false;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer) return sameSecret(bearer[1]!, secret);
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!basic) return false;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && sameSecret(decoded.slice(colon + 1), secret);
}
