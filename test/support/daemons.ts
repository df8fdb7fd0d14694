import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findProgram, freePort, tempDir, waitUntil } from './env.js';

export interface Daemon {
  port: number;
  /** Everything the daemon printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Sends `request` to a TCP port and resolves with everything read until the peer closes (or `until` matches). */
export function tcpExchange(port: number, request: string | Buffer, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('tcp exchange timed out')));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (until?.test(Buffer.concat(chunks).toString('latin1'))) socket.end();
    });
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('connect', () => socket.write(request));
  });
}

/** Starts a daemon in the foreground in its own process group, so stop() ends it and its children. */
function launch(program: string, args: string[]): { child: ChildProcess; output: () => string } {
  const path = findProgram(program);
  if (!path) throw new Error(`${program} is not installed`);
  const child = spawn(path, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  });
  return { child, output: () => output };
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

async function ready(name: string, child: ChildProcess, output: () => string, probe: () => Promise<boolean>) {
  await waitUntil(
    `${name} to answer`,
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${output()}`);
      return probe().catch(() => false);
    },
    60_000,
    200,
  );
}

export const CLAMAV_TEST_STRING = 'LAZARET-TEST-MALWARE-7f3a9c';
export const CLAMAV_TEST_SIGNATURE = 'Lazaret.Test.Signature';

/**
 * A private clamd on a loopback port, with a one-signature database made here (no freshclam, no
 * internet): an .ndb body signature for CLAMAV_TEST_STRING.
 */
export async function startClamd(dir: string, options: { streamMaxLength?: string } = {}): Promise<Daemon> {
  const port = await freePort();
  await mkdir(join(dir, 'db'), { recursive: true });
  const hex = Buffer.from(CLAMAV_TEST_STRING).toString('hex');
  await writeFile(join(dir, 'db', 'lazaret-test.ndb'), `${CLAMAV_TEST_SIGNATURE}:0:*:${hex}\n`);
  await writeFile(
    join(dir, 'clamd.conf'),
    [
      'Foreground yes',
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      `DatabaseDirectory ${join(dir, 'db')}`,
      `LogFile ${join(dir, 'clamd.log')}`,
      `StreamMaxLength ${options.streamMaxLength ?? '2M'}`,
      'SelfCheck 0',
      '',
    ].join('\n'),
  );
  const { child, output } = launch('clamd', [`--config-file=${join(dir, 'clamd.conf')}`]);
  await ready('clamd', child, output, async () =>
    (await tcpExchange(port, 'zPING\0', /\0/)).startsWith('PONG'),
  );
  return { port, output, stop: () => stopGroup(child) };
}

/** A private spamd on a loopback port, with Debian's rules plus the .pre files, no network tests. */
export async function startSpamd(dir: string): Promise<Daemon> {
  const port = await freePort();
  const site = join(dir, 'site');
  await mkdir(site, { recursive: true });
  await chmod(dir, 0o755);
  await chmod(site, 0o755);
  const { readdir, copyFile } = await import('node:fs/promises');
  for (const file of await readdir('/etc/spamassassin')) {
    if (file.endsWith('.pre')) await copyFile(join('/etc/spamassassin', file), join(site, file));
  }
  await writeFile(join(site, 'local.cf'), 'use_bayes 0\nskip_rbl_checks 1\n');
  const { child, output } = launch('spamd', [
    `--listen=127.0.0.1:${port}`,
    `--siteconfigpath=${site}`,
    `--pidfile=${join(dir, 'spamd.pid')}`,
    '--max-children=2',
    '--min-children=1',
    '--nouser-config',
    '--local',
    '--syslog=stderr',
    ...(process.getuid?.() === 0 ? ['--username=nobody'] : []),
  ]);
  await ready('spamd', child, output, async () =>
    (await tcpExchange(port, 'PING SPAMC/1.5\r\n\r\n', /PONG/)).includes('PONG'),
  );
  return { port, output, stop: () => stopGroup(child) };
}

/** The body text that makes the test rule LAZARET_TEST_SPAM fire (score 20: rspamd's action is reject). */
export const RSPAMD_TEST_SPAM = 'LAZARET-TEST-SPAM-3c1e';

export interface RspamdOptions {
  /**
   * The body of a `metadata_exporter { … }` section (what goes in local.d/metadata_exporter.conf, as
   * docs/integration.md gives it): the module is loaded and its rules push to Lazaret.
   */
  metadataExporter?: string;
  /**
   * Also run rspamd's proxy worker as a milter (`milter = yes`, scanning itself: self_scan), as
   * Debian's worker-proxy.inc does on 11332: `Daemon.milterPort`.
   */
  milterProxy?: boolean;
}

/**
 * A private rspamd normal worker on a loopback port, with a minimal config (no modules needing network)
 * and one test rule, LAZARET_TEST_SPAM (score 20 for RSPAMD_TEST_SPAM in the message). GTUBE makes rspamd
 * skip every module, the metadata_exporter included; this rule lets them run.
 */
export async function startRspamd(
  dir: string,
  options: RspamdOptions = {},
): Promise<Daemon & { milterPort?: number; log(): Promise<string> }> {
  const port = await freePort();
  const milterPort = options.milterProxy ? await freePort() : undefined;
  await writeFile(
    join(dir, 'test-rules.lua'),
    [
      'rspamd_config:register_symbol({',
      "  name = 'LAZARET_TEST_SPAM', score = 20.0, description = 'Lazaret test pattern',",
      '  callback = function(task)',
      `    return tostring(task:get_content()):find('${RSPAMD_TEST_SPAM}', 1, true) ~= nil`,
      '  end,',
      '})',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'rspamd.conf'),
    [
      'options {',
      `  pidfile = "${join(dir, 'rspamd.pid')}";`,
      '  dns { nameserver = ["127.0.0.1:1"]; timeout = 0.1s; retransmits = 0; }',
      '}',
      `logging { type = "file"; filename = "${join(dir, 'rspamd.log')}"; level = "info"; }`,
      `worker "normal" { bind_socket = "127.0.0.1:${port}"; count = 1; task_timeout = 8s; }`,
      ...(milterPort === undefined
        ? []
        : [
            `worker "rspamd_proxy" { bind_socket = "127.0.0.1:${milterPort}"; count = 1; milter = yes; timeout = 120s;`,
            '  upstream "local" { default = yes; self_scan = yes; } }',
          ]),
      'actions { reject = 15; "add header" = 6; greylist = 4; }',
      `lua = "${join(dir, 'test-rules.lua')}";`,
      ...(options.metadataExporter === undefined
        ? []
        : [
            'modules { path = "/usr/share/rspamd/plugins/metadata_exporter.lua"; }',
            'metadata_exporter {',
            options.metadataExporter,
            '}',
          ]),
      '',
    ].join('\n'),
  );
  const { child, output } = launch('rspamd', ['-f', '-i', '-c', join(dir, 'rspamd.conf')]);
  await ready('rspamd', child, output, async () => {
    const response = await fetch(`http://127.0.0.1:${port}/ping`);
    return response.ok && (await response.text()).includes('pong');
  });
  if (milterPort !== undefined) {
    await ready(
      'rspamd proxy',
      child,
      output,
      () =>
        new Promise<boolean>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port: milterPort });
          socket.on('connect', () => resolve(true));
          socket.on('error', () => resolve(false));
          socket.on('close', () => resolve(false));
          socket.on('connect', () => socket.destroy());
        }),
    );
  }
  return {
    port,
    ...(milterPort === undefined ? {} : { milterPort }),
    output,
    log: () => readFile(join(dir, 'rspamd.log'), 'utf8').catch(() => ''),
    stop: () => stopGroup(child),
  };
}

/** A private redis on a loopback port, in memory only (rspamd keeps its Bayes statistics there). */
export async function startRedis(dir: string): Promise<Daemon> {
  const port = await freePort();
  const { child, output } = launch('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ]);
  await ready('redis', child, output, async () =>
    (await tcpExchange(port, 'PING\r\n', /PONG/)).includes('PONG'),
  );
  return { port, output, stop: () => stopGroup(child) };
}

/**
 * A private rspamd controller worker (learning: /learnham, /learnspam; statistics: /stat) with a
 * Bayes classifier in `redisPort`'s redis. Learning needs `enablePassword`; `port` reuses a port
 * (to bring the same controller back after stopping it).
 */
export async function startRspamdController(
  dir: string,
  options: { redisPort: number; enablePassword: string; port?: number },
): Promise<Daemon> {
  const port = options.port ?? (await freePort());
  await writeFile(
    join(dir, 'rspamd-controller.conf'),
    [
      'options {',
      `  pidfile = "${join(dir, 'rspamd-controller.pid')}";`,
      '  dns { nameserver = ["127.0.0.1:1"]; timeout = 0.1s; retransmits = 0; }',
      '}',
      `logging { type = "file"; filename = "${join(dir, 'rspamd-controller.log')}"; level = "info"; }`,
      `worker "controller" { bind_socket = "127.0.0.1:${port}"; count = 1; password = "${options.enablePassword}-read"; enable_password = "${options.enablePassword}"; static_dir = "/usr/share/rspamd/www"; }`,
      'classifier "bayes" {',
      '  backend = "redis";',
      `  servers = "127.0.0.1:${options.redisPort}";`,
      '  tokenizer { name = "osb"; }',
      '  min_tokens = 11;',
      '  min_learns = 0;',
      '  new_schema = true;',
      '  statfile { symbol = "BAYES_HAM"; spam = false; }',
      '  statfile { symbol = "BAYES_SPAM"; spam = true; }',
      '}',
      '',
    ].join('\n'),
  );
  const { child, output } = launch('rspamd', ['-f', '-i', '-c', join(dir, 'rspamd-controller.conf')]);
  await ready('rspamd controller', child, output, async () => {
    const response = await fetch(`http://127.0.0.1:${port}/ping`);
    return response.ok && (await response.text()).includes('pong');
  });
  return { port, output, stop: () => stopGroup(child) };
}

/**
 * A private spamd that may be taught (`--allow-tell`), with a Bayes database in `dir/bayes` that
 * `sa-learn --dbpath` can read back.
 */
export async function startTeachableSpamd(dir: string): Promise<Daemon & { bayesPath: string }> {
  const port = await freePort();
  const site = join(dir, 'site');
  const bayes = join(dir, 'bayes');
  await mkdir(site, { recursive: true });
  await mkdir(bayes, { recursive: true });
  await chmod(dir, 0o755);
  await chmod(site, 0o755);
  await chmod(bayes, 0o777);
  const { readdir, copyFile } = await import('node:fs/promises');
  for (const file of await readdir('/etc/spamassassin')) {
    if (file.endsWith('.pre')) await copyFile(join('/etc/spamassassin', file), join(site, file));
  }
  await writeFile(
    join(site, 'local.cf'),
    `use_bayes 1\nbayes_auto_learn 0\nbayes_path ${join(bayes, 'bayes')}\nbayes_file_mode 0666\nskip_rbl_checks 1\n`,
  );
  const { child, output } = launch('spamd', [
    `--listen=127.0.0.1:${port}`,
    `--siteconfigpath=${site}`,
    `--pidfile=${join(dir, 'spamd.pid')}`,
    '--max-children=1',
    '--min-children=1',
    '--nouser-config',
    '--local',
    '--allow-tell',
    '--syslog=stderr',
    ...(process.getuid?.() === 0 ? ['--username=nobody'] : []),
  ]);
  await ready('spamd', child, output, async () =>
    (await tcpExchange(port, 'PING SPAMC/1.5\r\n\r\n', /PONG/)).includes('PONG'),
  );
  return { port, output, stop: () => stopGroup(child), bayesPath: join(bayes, 'bayes') };
}

export interface ScannerDaemons {
  clamd: Daemon;
  spamd: Daemon;
  rspamd: Daemon;
  /** Stops the three and removes their folders. */
  stop(): Promise<void>;
}

/** clamd, spamd and rspamd as above, each in its own temporary folder, started side by side. */
export async function startScannerDaemons(): Promise<ScannerDaemons> {
  const dirs = await Promise.all([tempDir(), tempDir(), tempDir()]);
  const started = await Promise.allSettled([
    startClamd(dirs[0]!.path),
    startSpamd(dirs[1]!.path),
    startRspamd(dirs[2]!.path),
  ]);
  const stop = async () => {
    await Promise.all(started.map((each) => (each.status === 'fulfilled' ? each.value.stop() : undefined)));
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  };
  const failed = started.find((each) => each.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [clamd, spamd, rspamd] = started.map((each) => (each as PromiseFulfilledResult<Daemon>).value);
  return { clamd: clamd!, spamd: spamd!, rspamd: rspamd!, stop };
}
