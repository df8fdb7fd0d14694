import { randomBytes } from 'node:crypto';
import { readOrCreateSecretFile } from '../auth/secrets.js';
import type { Config } from '../config/load-config.js';

export const LINK_KEY_FILE = 'link-signing.key';

/**
 * The secrets that sign digest links: `links.keys` when configured (first one signs), else one key
 * generated on first use into dataDir (readOrCreateSecretFile: processes starting together on one
 * dataDir all end up with the same key).
 */
export function loadLinkSecrets(config: Pick<Config, 'links' | 'dataDir'>): string[] {
  if (config.links.keys !== undefined) {
    return config.links.keys
      .split(',')
      .map((each) => each.trim())
      .filter(Boolean);
  }
  return [readOrCreateSecretFile(config.dataDir, LINK_KEY_FILE, () => randomBytes(48).toString('base64url'))];
}
