import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { tempDir } from './env.js';

/** A temporary folder removed when the test that asked for it ends. */
export async function folderForThisTest(prefix = 'lazaret-test-'): Promise<string> {
  const { path, cleanup } = await tempDir(prefix);
  onTestFinished(cleanup);
  return path;
}

/** Where a test, server or daemon puts its temporary folders: tempDir's and the project's own prefix. */
const OURS = /^lazaret-/;

/**
 * vitest's global setup: the run gets a temporary folder of its own as TMPDIR (inherited by every
 * test worker, server and daemon it starts), and a `lazaret-` folder still in it when the run ends
 * fails the run, naming it — a test that does not remove what it made fills the machine's /tmp run
 * after run. The folder is removed at the end either way.
 */
export default function setup(): () => void {
  const outer = tmpdir();
  const folder = mkdtempSync(join(outer, 'lz-run-'));
  // As /tmp: daemons that drop to their own user (Postfix, PostgreSQL) must reach their folders in it.
  chmodSync(folder, 0o1777);
  process.env.TMPDIR = folder;
  return () => {
    process.env.TMPDIR = outer;
    const left = readdirSync(folder).filter((name) => OURS.test(name));
    rmSync(folder, { recursive: true, force: true });
    if (left.length > 0) {
      // An error thrown here is printed but does not change vitest's exit status.
      process.stderr.write(
        `\nFAIL: the tests left ${left.length} temporary folder(s) behind: ${left.join(', ')}\n`,
      );
      process.exitCode = 1;
    }
  };
}
