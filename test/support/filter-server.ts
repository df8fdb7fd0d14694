import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { testConfig } from './env.js';

/**
 * Lazaret in filter mode, in this process, as Postfix's content_filter would use it: SMTP and HTTP on
 * free ports, clean mail relayed to `reinjectPort`, the headers and policy scanners (trusting
 * 127.0.0.1's spam headers), no purge timer, and every raw message stored as a file so that a test can
 * count what was kept by looking at the folder (`blobFiles`). `extra` overrides any of it.
 */
export function startFilterServer(
  dataDir: string,
  reinjectPort: number,
  extra: Record<string, string | number> = {},
): Promise<RunningServer> {
  return startServer(
    testConfig({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_SMTP_PORT: 0,
      LAZARET_HTTP_PORT: 0,
      LAZARET_MODE: 'filter',
      LAZARET_FILTER_REINJECT_PORT: reinjectPort,
      LAZARET_FILTER_REINJECT_TIMEOUT_MS: 5000,
      LAZARET_SCANNERS_ENABLED: 'headers,policy',
      LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS: '127.0.0.1',
      LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
      LAZARET_BLOBS_INLINE_MAX_BYTES: 0,
      ...extra,
    }),
    createLogger('silent'),
  );
}

/** Names of the files under the data folder's blob store (raw messages and any temporary file). */
export async function blobFiles(dataDir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else found.push(entry.name);
    }
  };
  await walk(join(dataDir, 'blobs'));
  return found;
}
