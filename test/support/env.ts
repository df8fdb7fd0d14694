import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config/load-config.js';

/** A fresh temporary folder; removed by the returned cleanup. */
export async function tempDir(
  prefix = 'lazaret-test-',
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A config as `serve` would load it, from LAZARET_* variables only (tests never touch process.env). */
export function testConfig(env: Record<string, string | number>): Config {
  return loadConfig({
    env: Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)])),
  });
}

/** A TCP port that was free a moment ago (for daemons that cannot be told to pick one). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const SEARCH_PATH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

/** Full path of a system program, or null. */
export function findProgram(name: string): string | null {
  for (const dir of SEARCH_PATH) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  try {
    return execFileSync('which', [name], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export const STRICT = process.env.LAZARET_TEST_STRICT === '1';

/**
 * Which of `programs` are missing. Suites that need them skip with a notice, unless
 * LAZARET_TEST_STRICT=1, where a missing program fails the run (CI installs them with
 * scripts/install-test-deps.sh).
 */
export function missingPrograms(suite: string, programs: readonly string[]): string[] {
  const missing = programs.filter((program) => findProgram(program) === null);
  if (missing.length > 0) {
    const notice = `${suite}: needs ${missing.join(', ')} (run scripts/install-test-deps.sh)`;
    if (STRICT) throw new Error(`LAZARET_TEST_STRICT=1 and ${notice}`);
    process.stderr.write(`SKIPPED ${notice}\n`);
  }
  return missing;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
