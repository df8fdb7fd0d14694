import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, STRICT, waitUntil } from './env.js';

/** The superuser of the private cluster: trusted on its unix socket, by password (SCRAM) over TCP. */
export const POSTGRES_TEST_USER = 'lazaret';
export const POSTGRES_TEST_PASSWORD = 'lazaret-test-password';

/** Debian installs each major version under /usr/lib/postgresql/<major>/bin; the newest one, or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = join(root, major, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
  }
  return null;
}

/**
 * Whether PostgreSQL is installed. A suite that needs it skips with a notice when it is not, unless
 * LAZARET_TEST_STRICT=1, where its absence fails the run (scripts/install-test-deps.sh installs it).
 */
export function postgresAvailable(suite: string): boolean {
  if (postgresBinDir() !== null) return true;
  const notice = `${suite}: needs PostgreSQL's initdb and postgres (run scripts/install-test-deps.sh)`;
  if (STRICT) throw new Error(`LAZARET_TEST_STRICT=1 and ${notice}`);
  process.stderr.write(`SKIPPED ${notice}\n`);
  return false;
}

export interface PostgresCluster {
  port: number;
  /** Connection URL of `database` on this cluster, as the superuser (password included) over loopback TCP. */
  url(database?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** The account the cluster runs as: `postgres` refuses to run as root, so root hands it to `postgres`/nobody. */
function clusterAccount(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // try the next one
    }
  }
  throw new Error('running as root, and neither a postgres nor a nobody account exists to run PostgreSQL');
}

/**
 * A private PostgreSQL cluster: initdb in a temp folder, a loopback port, its unix socket in that
 * folder, durability off (fsync) since the tests never survive a power cut, and pg_trgm available.
 */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error('PostgreSQL is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'lazaret-pg-'));
  const data = join(dir, 'data');
  const account = clusterAccount();
  if (account) {
    await chown(dir, account.uid, account.gid);
    await chmod(dir, 0o700);
  }
  const asAccount = account ? { uid: account.uid, gid: account.gid } : {};
  const passwordFile = join(dir, 'superuser-password');
  await writeFile(passwordFile, `${POSTGRES_TEST_PASSWORD}\n`);
  if (account) await chown(passwordFile, account.uid, account.gid);
  execFileSync(
    join(bin, 'initdb'),
    [
      ...['-D', data, '-U', POSTGRES_TEST_USER, `--pwfile=${passwordFile}`],
      ...['--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
    ],
    { ...asAccount, stdio: 'pipe', cwd: dir },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-k',
      dir,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
    { ...asAccount, cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = (database = 'postgres') =>
    `postgres://${POSTGRES_TEST_USER}:${POSTGRES_TEST_PASSWORD}@127.0.0.1:${port}/${database}`;
  const query = async (sql: string) => {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await waitUntil(
    'PostgreSQL to accept connections',
    async () => {
      if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}): ${output}`);
      return query('SELECT 1').then(
        () => true,
        () => false,
      );
    },
    60_000,
    100,
  );
  return {
    port,
    url,
    output: () => output,
    createDatabase: async (name) => {
      await query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return url(name);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        // SIGINT is PostgreSQL's fast shutdown: it ends sessions and stops without waiting for clients.
        process.kill(child.pid, 'SIGINT');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
