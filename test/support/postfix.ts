import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findProgram, freePort } from './env.js';

const run = promisify(execFile);

const DOCS = join(import.meta.dirname, '..', '..', 'docs');

/** The first code block under the heading `## <heading>` of docs/<guide>, as written there. */
export async function guideBlock(heading: string, guide = 'postfix.md'): Promise<string> {
  const text = await readFile(join(DOCS, guide), 'utf8');
  const section = text.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  const block = section && /```\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`docs/${guide} has no code block under "## ${heading}"`);
  return block[1]!;
}

/** docs/milter.md's main.cf lines with its milter port 10027 replaced by the test's. */
export async function milterGuideLines(milterPort: number): Promise<string> {
  return (await guideBlock('Postfix', 'milter.md')).replaceAll(':10027', `:${milterPort}`);
}

/** The guide's ports, 10025 (Lazaret) and 10026 (re-injection), replaced by the test's. */
function withPorts(text: string, lazaretPort: number, reinjectPort: number): string {
  return text.replaceAll(':10025', `:${lazaretPort}`).replaceAll(':10026', `:${reinjectPort}`);
}

export interface PostfixInstance {
  /** Where test mail is submitted (the content_filter applies here). */
  inboundPort: number;
  /** The re-injection listener that Lazaret relays clean mail to. */
  reinjectPort: number;
  maildir: string;
  configDir: string;
  /** Messages in Postfix's queue (postqueue -j). */
  queue(): Promise<
    { queue_name: string; queue_id: string; recipients: { address: string; delay_reason?: string }[] }[]
  >;
  /** Asks Postfix to retry deferred mail now. */
  flush(): Promise<void>;
  /** Files delivered to the Maildir (new/), as bytes, in the order they arrived. */
  delivered(): Promise<Buffer[]>;
  log(): Promise<string>;
  stop(): Promise<void>;
}

async function postfix(configDir: string, command: string): Promise<void> {
  await run(findProgram('postfix')!, ['-c', configDir, command]);
}

/**
 * A private Postfix instance: its own config, queue and data folders under `dir`, listening on two
 * loopback ports, delivering to one Maildir through virtual(8). Its main.cf and master.cf end with the
 * exact lines of docs/postfix.md's "main.cf" and "master.cf" blocks (only the ports 10025/10026 are the
 * test's), so the guide is what runs. Must run as root (Postfix's master drops to the postfix user).
 */
export async function startPostfix(
  dir: string,
  lazaretPort: number,
  options: {
    /**
     * Run Lazaret as a milter instead: main.cf gets `smtpd_milters = <milter>` and
     * `milter_default_action = tempfail` in place of the guide's content_filter block.
     */
    milter?: string;
    /** main.cf lines in place of the guide's content_filter block (docs/milter.md's, say). */
    mainCf?: string;
  } = {},
): Promise<PostfixInstance> {
  if (userInfo().uid !== 0) throw new Error('a private Postfix instance needs root');
  const configDir = join(dir, 'conf');
  const queueDir = join(dir, 'queue');
  const dataDir = join(dir, 'data');
  const mailDir = join(dir, 'mail');
  await chmod(dir, 0o755);
  for (const folder of [configDir, queueDir, dataDir, mailDir]) await mkdir(folder, { recursive: true });
  const { stdout: ids } = await run('id', ['-u', 'postfix']);
  await chown(dataDir, Number(ids.trim()), 0);
  const nobody = 65534;
  await chown(mailDir, nobody, nobody);
  const inboundPort = await freePort();
  const reinjectPort = await freePort();
  await writeFile(
    join(configDir, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${queueDir}`,
      `data_directory = ${dataDir}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'myhostname = lazaret-test.localdomain',
      'mydomain = localdomain',
      'myorigin = $myhostname',
      'mydestination =',
      'relay_domains =',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mynetworks = 127.0.0.0/8',
      'smtpd_relay_restrictions = permit_mynetworks, reject',
      'smtpd_recipient_restrictions = permit_mynetworks, reject',
      'virtual_mailbox_domains = example.test',
      `virtual_mailbox_base = ${mailDir}`,
      'virtual_mailbox_maps = static:maildir/',
      `virtual_uid_maps = static:${nobody}`,
      `virtual_gid_maps = static:${nobody}`,
      'virtual_minimum_uid = 100',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
      'biff = no',
      `maillog_file = ${join(dir, 'maillog')}`,
      `maillog_file_prefixes = ${dir}`,
      'smtputf8_enable = no',
      'minimal_backoff_time = 1s',
      'maximal_backoff_time = 2s',
      'queue_run_delay = 1s',
      'smtp_dns_support_level = disabled',
      '',
      ...(options.mainCf !== undefined
        ? [options.mainCf]
        : options.milter
          ? [`smtpd_milters = ${options.milter}`, 'milter_default_action = tempfail', '']
          : [
              '# docs/postfix.md, main.cf:',
              withPorts(await guideBlock('main.cf'), lazaretPort, reinjectPort),
            ]),
    ].join('\n'),
  );
  await writeFile(
    join(configDir, 'master.cf'),
    [
      `127.0.0.1:${inboundPort} inet n - n - - smtpd`,
      '# docs/postfix.md, master.cf:',
      withPorts(await guideBlock('master.cf'), lazaretPort, reinjectPort),
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
      'virtual unix - n n - - virtual',
      'anvil unix - - n - 1 anvil',
      'scache unix - - n - 1 scache',
      'postlog unix-dgram n - n - 1 postlogd',
      '',
    ].join('\n'),
  );
  await postfix(configDir, 'start');
  const newDir = join(mailDir, 'maildir', 'new');
  return {
    inboundPort,
    reinjectPort,
    maildir: join(mailDir, 'maildir'),
    configDir,
    async queue() {
      const { stdout } = await run(findProgram('postqueue')!, ['-c', configDir, '-j']);
      return stdout
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line));
    },
    async flush() {
      await run(findProgram('postqueue')!, ['-c', configDir, '-f']);
    },
    async delivered() {
      // In arrival order: Maildir names within one second do not sort by arrival, so callers that
      // take "what came since" by position (`slice(before)`) would pick up an earlier delivery.
      const names = await readdir(newDir).catch(() => [] as string[]);
      const files = await Promise.all(
        names.map(async (name) => ({ name, at: (await stat(join(newDir, name), { bigint: true })).mtimeNs })),
      );
      files.sort((a, b) => (a.at === b.at ? a.name.localeCompare(b.name) : a.at < b.at ? -1 : 1));
      return Promise.all(files.map((file) => readFile(join(newDir, file.name))));
    },
    log: () => readFile(join(dir, 'maillog'), 'utf8').catch(() => ''),
    stop: () => postfix(configDir, 'stop').catch(() => postfix(configDir, 'abort').catch(() => undefined)),
  };
}

/**
 * The delivered message without the trace header fields Postfix and virtual(8) put on top
 * (Return-Path, X-Original-To, Delivered-To, Received), with CRLF line ends again: what Lazaret
 * relayed, byte for byte.
 */
export function withoutPostfixTrace(delivered: Buffer): Buffer {
  const lines = delivered.toString('latin1').split('\n');
  let index = 0;
  const trace = /^(Return-Path|X-Original-To|Delivered-To|Received):/i;
  while (index < lines.length && trace.test(lines[index]!)) {
    index += 1;
    while (index < lines.length && /^[ \t]/.test(lines[index]!)) index += 1;
  }
  return Buffer.from(lines.slice(index).join('\r\n'), 'latin1');
}
