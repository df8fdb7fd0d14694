import { execFileSync } from 'node:child_process';
import { mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STRICT } from './env.js';

export interface Tmpfs {
  path: string;
  /** Unmounts and removes the mount point. */
  cleanup(): Promise<void>;
}

/**
 * A real small file system of `sizeMb` (a tmpfs) on a fresh folder, for tests of a full disk. Needs
 * root (or CAP_SYS_ADMIN): where mounting is not permitted the suite skips with a notice, and fails
 * under LAZARET_TEST_STRICT=1.
 */
export async function mountTmpfs(suite: string, sizeMb: number): Promise<Tmpfs | null> {
  const path = await mkdtemp(join(tmpdir(), 'lazaret-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', path], {
      stdio: 'pipe',
    });
  } catch (error) {
    await rmdir(path);
    const reason = ((error as { stderr?: Buffer }).stderr?.toString() || (error as Error).message).trim();
    const notice = `${suite}: cannot mount a tmpfs here (${reason}); run the tests as root`;
    if (STRICT) throw new Error(`LAZARET_TEST_STRICT=1 and ${notice}`);
    process.stderr.write(`SKIPPED ${notice}\n`);
    return null;
  }
  return {
    path,
    async cleanup() {
      execFileSync('umount', [path], { stdio: 'pipe' });
      await rmdir(path);
    },
  };
}
