import { randomBytes } from 'node:crypto';
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
import type { Config } from '../config/load-config.js';

export const LINK_KEY_FILE = 'link-signing.key';

/**
 * The secrets that sign digest links: `links.keys` when configured (first one signs), else one key
 * generated on first use into dataDir. Creating it is atomic (temporary file, fsync, hard link), so
 * processes starting together on one dataDir all end up with the same key.
 */
export function loadLinkSecrets(config: Pick<Config, 'links' | 'dataDir'>): string[] {
  if (config.links.keys !== undefined) {
    return config.links.keys
      .split(',')
      .map((each) => each.trim())
      .filter(Boolean);
  }
  const path = join(config.dataDir, LINK_KEY_FILE);
  try {
    return [readFileSync(path, 'utf8').trim()];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(48).toString('base64url')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
    const dir = openSync(config.dataDir, 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  return [readFileSync(path, 'utf8').trim()];
}
