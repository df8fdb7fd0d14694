import { execFile, execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './postfix-tools.js';

const run = promisify(execFile);

/** Why a private Postfix instance cannot run here, or null when it can. */
export function postfixUnavailable(): string | null {
  for (const program of ['postfix', 'postsuper', 'postqueue', 'smtp-source', 'smtp-sink']) {
    try {
      execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore', env: withSbin() });
    } catch {
      return `${program} is not installed (scripts/install-test-deps.sh installs Postfix)`;
    }
  }
  if (userInfo().uid !== 0)
    return 'a private Postfix instance needs root (its master drops to the postfix user)';
  return null;
}

function withSbin(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` };
}

export interface PostfixInstance {
  /** Where smtpd listens on loopback. */
  port: number;
  /** Queue files in the hold queue now. */
  heldCount(): Promise<number>;
  /** Queue files in the incoming, active and deferred queues now: mail Postfix still has to deliver. */
  pendingCount(): Promise<number>;
  /** Moves every held message back into the mail stream and asks the queue manager to deliver now. */
  releaseHeld(): Promise<void>;
  stop(): Promise<void>;
}

export interface PostfixOptions {
  /** Where delivery goes (SMTP to loopback). Without it the instance only holds mail. */
  relayPort?: number;
  /** Parallel SMTP connections to the relay host, from the first message on. */
  relayConnections?: number;
  /** A milter smtpd asks at end of message (`inet:127.0.0.1:port`), as docs/milter.md configures it. */
  milter?: string;
}

const MASTER_CF = [
  'pickup unix n - n 60 1 pickup',
  'cleanup unix n - n - 0 cleanup',
  'qmgr unix n - n 300 1 qmgr',
  'rewrite unix - - n - - trivial-rewrite',
  'bounce unix - - n - 0 bounce',
  'defer unix - - n - 0 bounce',
  'trace unix - - n - 0 bounce',
  'verify unix - - n - 1 verify',
  'flush unix n - n 1000? 0 flush',
  'proxymap unix - - n - - proxymap',
  'smtp unix - - n - - smtp',
  'relay unix - - n - - smtp',
  'showq unix n - n - - showq',
  'error unix - - n - - error',
  'retry unix - - n - - error',
  'discard unix - - n - - discard',
  'anvil unix - - n - 1 anvil',
  'scache unix - - n - 1 scache',
  'postlog unix-dgram n - n - 1 postlogd',
];

/**
 * A private Postfix instance in a fresh temporary folder (config, queue, data and log of its own),
 * whose smtpd puts every message it accepts on the hold queue (`check_client_access static:HOLD`).
 * Durability is Postfix's default: cleanup fsyncs each queue file before smtpd answers 250. With
 * `relayPort`, released mail is relayed to that loopback port, tuned for one fast destination.
 */
export async function startHoldingPostfix(options: PostfixOptions = {}): Promise<PostfixInstance> {
  const unavailable = postfixUnavailable();
  if (unavailable) throw new Error(unavailable);
  const dir = await mkdtemp(join(tmpdir(), 'lazaret-bench-postfix-'));
  await chmod(dir, 0o755);
  const configDir = join(dir, 'conf');
  const queueDir = join(dir, 'queue');
  const dataDir = join(dir, 'data');
  for (const folder of [configDir, queueDir, dataDir]) await mkdir(folder, { recursive: true });
  const { stdout: postfixUid } = await run('id', ['-u', 'postfix']);
  await chown(dataDir, Number(postfixUid.trim()), 0);
  const port = await freePort();
  const connections = options.relayConnections ?? 16;
  await writeFile(
    join(configDir, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${queueDir}`,
      `data_directory = ${dataDir}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'myhostname = lazaret-bench.localdomain',
      'mydomain = localdomain',
      'mydestination =',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mynetworks = 127.0.0.0/8',
      'smtpd_client_restrictions = check_client_access static:HOLD',
      'smtpd_relay_restrictions = permit_mynetworks, reject',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
      'biff = no',
      `maillog_file = ${join(dir, 'maillog')}`,
      `maillog_file_prefixes = ${dir}`,
      'smtputf8_enable = no',
      'smtp_dns_support_level = disabled',
      'smtp_tls_security_level = none',
      ...(options.milter === undefined
        ? []
        : [
            `smtpd_milters = ${options.milter}`,
            'milter_default_action = tempfail',
            'milter_protocol = 6',
            // Postfix's inflow control: cleanup takes a token per message and gives it back for mail
            // queued or held, not for mail a milter DISCARDs; the queue manager refills the pool
            // (default_process_limit, 100) only when mail reaches its incoming queue. With every
            // message discarded, each one after the first ~100 waited in_flow_delay (1 s) for a
            // token, so the "all held" row measured that pause (4 sessions: 4 msgs/s), not Lazaret.
            'in_flow_delay = 0',
          ]),
      ...(options.relayPort === undefined
        ? []
        : [
            `relayhost = [127.0.0.1]:${options.relayPort}`,
            // One fast destination: all connections from the start (not the slow-start ramp from 5),
            // no pause between deliveries, connections reused.
            `initial_destination_concurrency = ${connections}`,
            `default_destination_concurrency_limit = ${connections}`,
            `smtp_destination_concurrency_limit = ${connections}`,
            'default_destination_rate_delay = 0s',
            'smtp_connection_cache_on_demand = yes',
            'smtp_connection_cache_destinations = $relayhost',
          ]),
      '',
    ].join('\n'),
  );
  await writeFile(
    join(configDir, 'master.cf'),
    [`127.0.0.1:${port} inet n - n - - smtpd`, ...MASTER_CF, ''].join('\n'),
  );
  const postfix = (command: string) => run('postfix', ['-c', configDir, command], { env: withSbin() });
  await postfix('start');
  const countFiles = async (queue: string): Promise<number> => {
    const entries = await readdir(join(queueDir, queue), { withFileTypes: true }).catch(() => []);
    let count = 0;
    for (const entry of entries) {
      // deferred is hashed one level deep (hash_queue_names); hold, incoming and active are flat.
      if (entry.isDirectory()) count += await countFiles(join(queue, entry.name));
      else count += 1;
    }
    return count;
  };
  return {
    port,
    heldCount: () => countFiles('hold'),
    async pendingCount() {
      const counts = await Promise.all(['incoming', 'active', 'deferred'].map(countFiles));
      return counts.reduce((sum, count) => sum + count, 0);
    },
    async releaseHeld() {
      await run('postsuper', ['-c', configDir, '-H', 'ALL'], { env: withSbin() });
      await run('postqueue', ['-c', configDir, '-f'], { env: withSbin() });
    },
    async stop() {
      await postfix('stop').catch(() => postfix('abort').catch(() => undefined));
      // `postfix stop` returns once the master is told; wait until it is gone before removing its queue.
      for (let attempt = 0; attempt < 200; attempt += 1) {
        if (
          await postfix('status').then(
            () => false,
            () => true,
          )
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `count` until it answers `target`; fails after `timeoutMs` without a change. */
export async function waitForCount(
  what: string,
  count: () => Promise<number>,
  target: number,
  timeoutMs = 30_000,
): Promise<void> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const now = await count();
    if (now === target) return;
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > timeoutMs) {
      throw new Error(`${what}: stuck at ${now} of ${target}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
