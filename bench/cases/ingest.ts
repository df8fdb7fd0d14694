import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../src/config/load-config.js';
import { smtpServerOptions } from '../../src/ingest/smtp-listener.js';
import { ServeProcess } from '../../test/support/kit.js';
import { postfixUnavailable, startHoldingPostfix, waitForCount } from '../lib/postfix-instance.js';
import { freePort, runSmtpSource, startSmtpSink, stopProcess } from '../lib/postfix-tools.js';
import type { CaseResult, Row } from '../lib/report.js';
import { storedItemCount } from '../lib/serve-jobs.js';

export interface IngestOptions {
  messages: number;
  sessions: number;
  bytes: number;
}

/**
 * Lazaret's SMTP server settings with a handler that only drains each message and answers 250: what
 * Node and smtp-server reach on this machine before anything is parsed or stored.
 */
async function drainingServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    ...smtpServerOptions(loadConfig({ env: {} })),
    onData(stream, _session, callback) {
      stream.on('end', () => callback(null, 'Drained'));
      stream.resume();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * smtp-source into a private Postfix whose smtpd puts every message on hold: Postfix's own durable
 * queue, without delivery. Timed until all messages are files in its hold queue.
 */
async function postfixHold(options: IngestOptions): Promise<number> {
  const postfix = await startHoldingPostfix();
  try {
    const started = process.hrtime.bigint();
    await runSmtpSource(postfix.port, options);
    await waitForCount('Postfix hold queue', postfix.heldCount, options.messages);
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await postfix.stop();
  }
}

/**
 * The same hold-queue Postfix, asking Lazaret as its milter (`lazaret serve`, milter mode, the built-in
 * headers and policy scanners; docs/milter.md's main.cf lines) at the end of every message. `held:
 * false`: every message passes (ACCEPT) and is timed until it is a file in Postfix's hold queue;
 * `held: true`: the policy scanner blocks smtp-source's sender, so Lazaret commits an item for every
 * message before it answers DISCARD, and Postfix queues nothing.
 */
async function postfixMilter(
  options: IngestOptions,
  held: boolean,
): Promise<{ seconds: number; stored: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lazaret-bench-milter-'));
  const milterPort = await freePort();
  const serve = await new ServeProcess({
    LAZARET_DATA_DIR: dataDir,
    LAZARET_MODE: 'milter',
    LAZARET_MILTER_LISTEN: `inet:127.0.0.1:${milterPort}`,
    LAZARET_SCANNERS_ENABLED: 'headers,policy',
    ...(held ? { LAZARET_SCANNERS_POLICY_SENDER_BLOCK: 'source.test' } : {}),
  }).start();
  const postfix = await startHoldingPostfix({ milter: `inet:127.0.0.1:${milterPort}` });
  let seconds: number;
  try {
    const started = process.hrtime.bigint();
    await runSmtpSource(postfix.port, options);
    if (!held) await waitForCount('Postfix hold queue', postfix.heldCount, options.messages);
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (held && (await postfix.heldCount()) !== 0) throw new Error('Postfix queued mail Lazaret discarded');
  } finally {
    await postfix.stop();
    await serve.stop();
  }
  const stored = storedItemCount(dataDir);
  await rm(dataDir, { recursive: true, force: true });
  if (stored !== (held ? options.messages : 0))
    throw new Error(
      `milter ${held ? 'held' : 'pass'} run: expected ${held ? options.messages : 0} items, found ${stored}`,
    );
  return { seconds, stored };
}

/**
 * smtp-source into Lazaret (capture mode, 250 only once durable), against smtp-source into smtp-sink
 * and into the same SMTP server with a handler that only drains the stream (the Node ceiling), and
 * into Postfix's hold queue (skipped with a notice where a private Postfix cannot run).
 */
export async function runIngest(options: IngestOptions): Promise<CaseResult> {
  const sinkPort = await freePort();
  const sink = await startSmtpSink(sinkPort);
  const sinkSeconds = await runSmtpSource(sinkPort, options);
  await stopProcess(sink);

  const draining = await drainingServer();
  const ceilingSeconds = await runSmtpSource(draining.port, options);
  await draining.close();

  const postfixSkipped = postfixUnavailable();
  if (postfixSkipped) process.stderr.write(`SKIPPED ingest: Postfix hold queue row: ${postfixSkipped}\n`);
  const holdSeconds = postfixSkipped ? undefined : await postfixHold(options);
  const milterPass = postfixSkipped ? undefined : await postfixMilter(options, false);
  const milterHeld = postfixSkipped ? undefined : await postfixMilter(options, true);

  const dataDir = await mkdtemp(join(tmpdir(), 'lazaret-bench-ingest-'));
  const serve = await new ServeProcess({ LAZARET_DATA_DIR: dataDir }).start();
  const lazaretSeconds = await runSmtpSource(serve.smtpPort, options);
  await serve.stop();
  const stored = storedItemCount(dataDir);
  await rm(dataDir, { recursive: true, force: true });
  if (stored !== options.messages) throw new Error(`expected ${options.messages} items, found ${stored}`);

  const rate = (seconds: number) => options.messages / seconds;
  const holdRate = holdSeconds === undefined ? undefined : rate(holdSeconds);
  const row = (receiver: string, seconds: number): Row => ({
    receiver,
    'msgs/s': rate(seconds),
    seconds,
    'vs smtp-sink': sinkSeconds / seconds,
    'vs Node ceiling': ceilingSeconds / seconds,
    ...(holdRate === undefined ? {} : { 'vs Postfix hold': rate(seconds) / holdRate }),
  });
  return {
    case: 'ingest',
    title: `Ingest: ${options.messages.toLocaleString('en-US')} messages of ${options.bytes} bytes, ${options.sessions} parallel smtp-source sessions`,
    notes: [
      `Every message Lazaret acknowledged was found stored (${stored} items).`,
      'The Node ceiling is the same smtp-server configuration with a handler that only drains the message: no parsing, no storage.',
      ...(postfixSkipped
        ? [`Postfix hold queue and milter rows: skipped (${postfixSkipped}).`]
        : [
            "Postfix hold queue: a private Postfix instance whose smtpd puts every message on hold (`smtpd_client_restrictions = check_client_access static:HOLD`), durable as Postfix is by default (cleanup fsyncs each queue file before smtpd's 250), from the start of smtp-source until all messages are files in its hold queue.",
            "Postfix + Lazaret milter: the same Postfix with docs/milter.md's smtpd_milters lines, Lazaret in milter mode (headers and policy scanners). 'all pass': Lazaret answers ACCEPT and Postfix holds each message (against the Postfix hold queue row: what the milter costs). 'all held': the policy scanner blocks smtp-source's sender, Lazaret commits an item per message and answers DISCARD, timed until smtp-source has its last 250. Both with in_flow_delay = 0: Postfix's inflow control gives no token back for discarded mail, and would pace the all-held run at 1 s per message once 100 tokens are spent.",
          ]),
    ],
    rows: [
      row('smtp-sink (discards)', sinkSeconds),
      row('Node ceiling (smtp-server, drain only)', ceilingSeconds),
      ...(holdSeconds === undefined ? [] : [row('Postfix hold queue (fsync before 250)', holdSeconds)]),
      ...(milterPass === undefined
        ? []
        : [row('Postfix hold queue + Lazaret milter, all pass', milterPass.seconds)]),
      ...(milterHeld === undefined
        ? []
        : [row('Postfix + Lazaret milter, all held (commit, DISCARD)', milterHeld.seconds)]),
      row('Lazaret capture (fsync + commit before 250)', lazaretSeconds),
    ],
  };
}
