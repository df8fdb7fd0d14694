import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { loadConfig } from '../../src/config/load-config.js';
import { SmtpRelay } from '../../src/relay/smtp-relay.js';
import { postfixUnavailable, startHoldingPostfix, waitForCount } from '../lib/postfix-instance.js';
import {
  type CountingSink,
  freePort,
  runSmtpSource,
  startCountingSmtpSink,
  stopProcess,
} from '../lib/postfix-tools.js';
import type { CaseResult, Row } from '../lib/report.js';
import { relayEnv, runJob, seededDataDir, startServe } from '../lib/serve-jobs.js';

export interface ReleaseE2eOptions {
  messages: number;
  /** Relay connections of Lazaret, and parallel sessions of smtp-source. */
  connections: number;
  bytes: number;
}

/**
 * One release job of `messages` quarantined messages, run by `lazaret serve` and delivered to
 * Postfix's smtp-sink on loopback, against smtp-source sending as many messages of the same size to
 * the same sink over as many connections: the limit of one SMTP hop on this machine; and against
 * Postfix releasing as many messages from its hold queue to the same sink (skipped with a notice
 * where a private Postfix cannot run).
 */
export async function runReleaseE2e(options: ReleaseE2eOptions): Promise<CaseResult> {
  const sinkPort = await freePort();
  const sink = await startCountingSmtpSink(sinkPort);
  const dataDir = await seededDataDir(options.messages, options.bytes);
  try {
    const sourceSeconds = await runSmtpSource(sinkPort, {
      messages: options.messages,
      sessions: options.connections,
      bytes: options.bytes,
    });
    const relaySeconds = await relayAlone(sinkPort, options);
    const postfixSkipped = postfixUnavailable();
    if (postfixSkipped) process.stderr.write(`SKIPPED release-e2e: Postfix relay row: ${postfixSkipped}\n`);
    const postfixSeconds = postfixSkipped ? undefined : await postfixRelease(sink, sinkPort, options);
    const { serve, token } = await startServe(dataDir, relayEnv(sinkPort, options.connections));
    let jobSeconds: number;
    try {
      ({ seconds: jobSeconds } = await runJob(serve, token, 'release', options.messages));
    } finally {
      await serve.stop();
    }
    const rate = (seconds: number) => options.messages / seconds;
    const row = (sender: string, seconds: number): Row => ({
      sender,
      'msgs/s': rate(seconds),
      seconds,
      'vs smtp-source': sourceSeconds / seconds,
      'vs relay alone': relaySeconds / seconds,
      ...(postfixSeconds === undefined ? {} : { 'vs Postfix release': postfixSeconds / seconds }),
    });
    return {
      case: 'release-e2e',
      title: `Release end to end: ${options.messages.toLocaleString('en-US')} messages of ${options.bytes} bytes to smtp-sink, ${options.connections} connections`,
      notes: [
        "Relay alone: Lazaret's SMTP relay (its pool of nodemailer SMTP connections) sending a prebuilt message from memory, no store: what Node and the SMTP client reach on this machine, the ceiling for a release job.",
        'Lazaret: one release job through the API of a `lazaret serve` child process (SQLite, raw messages on disk), from the request until its JOB_FINISHED log line; every item must end ok. smtp-source: the same number of messages of the same size to the same smtp-sink, as many sessions as Lazaret has relay connections.',
        postfixSkipped
          ? `Postfix release: skipped (${postfixSkipped}).`
          : "Postfix release: a private Postfix instance holding the same number of messages of the same size in its hold queue (put there by smtp-source, not timed), relaying to the same smtp-sink over as many connections from the start; from `postsuper -H ALL` + `postqueue -f` until the sink has counted every message and Postfix's queue is empty.",
      ],
      rows: [
        row('smtp-source → smtp-sink (one SMTP hop)', sourceSeconds),
        row('relay alone (from memory) → smtp-sink', relaySeconds),
        ...(postfixSeconds === undefined
          ? []
          : [row('Postfix release from hold queue → smtp-sink', postfixSeconds)]),
        row('Lazaret release job → smtp-sink', jobSeconds),
      ],
    };
  } finally {
    await stopProcess(sink.process);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Postfix's counterpart of a release job: `messages` held queue files released at once and relayed
 * to the sink. Timed from the release until the sink has counted them all and Postfix's queue is empty
 * (Postfix removes a queue file once the sink has accepted it: its record of the outcome).
 */
async function postfixRelease(
  sink: CountingSink,
  sinkPort: number,
  options: ReleaseE2eOptions,
): Promise<number> {
  const postfix = await startHoldingPostfix({ relayPort: sinkPort, relayConnections: options.connections });
  try {
    await runSmtpSource(postfix.port, {
      messages: options.messages,
      sessions: options.connections,
      bytes: options.bytes,
    });
    await waitForCount('Postfix hold queue', postfix.heldCount, options.messages);
    const target = sink.messages() + options.messages;
    const started = process.hrtime.bigint();
    await postfix.releaseHeld();
    await waitForCount('smtp-sink behind Postfix', async () => sink.messages(), target);
    await waitForCount('Postfix queue', postfix.pendingCount, 0);
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await postfix.stop();
  }
}

/** The relay of a release job without the job: the same message from memory, as many connections. */
async function relayAlone(port: number, options: ReleaseE2eOptions): Promise<number> {
  const config = loadConfig({ env: relayEnv(port, options.connections) });
  const relay = new SmtpRelay(config.relay);
  const body = Buffer.from(
    `From: <sender@source.test>\r\nTo: <rcpt@sink.test>\r\nSubject: relay alone\r\n\r\n${'x'.repeat(options.bytes)}\r\n`,
  );
  let next = 0;
  const started = process.hrtime.bigint();
  try {
    await Promise.all(
      Array.from({ length: options.connections * 4 }, async () => {
        while (next < options.messages) {
          next += 1;
          const result = await relay.deliver({
            from: 'sender@source.test',
            to: ['rcpt@sink.test'],
            raw: Readable.from([body]),
          });
          if (result.kind !== 'accepted') throw new Error(`relay alone: ${result.reply}`);
        }
      }),
    );
  } finally {
    relay.close();
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}
