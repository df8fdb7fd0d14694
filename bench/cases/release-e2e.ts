import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { loadConfig } from '../../src/config/load-config.js';
import { SmtpRelay } from '../../src/relay/smtp-relay.js';
import { freePort, runSmtpSource, startSmtpSink, stopProcess } from '../lib/postfix-tools.js';
import type { CaseResult } from '../lib/report.js';
import { runJob, seededDataDir, startServe } from '../lib/serve-jobs.js';

export interface ReleaseE2eOptions {
  messages: number;
  /** Relay connections of Lazaret, and parallel sessions of smtp-source. */
  connections: number;
  bytes: number;
}

/**
 * One release job of `messages` quarantined messages, run by `lazaret serve` and delivered to
 * Postfix's smtp-sink on loopback, against smtp-source sending as many messages of the same size to
 * the same sink over as many connections: the limit of one SMTP hop on this machine.
 */
export async function runReleaseE2e(options: ReleaseE2eOptions): Promise<CaseResult> {
  const sinkPort = await freePort();
  const sink = await startSmtpSink(sinkPort);
  const dataDir = await seededDataDir(options.messages, options.bytes);
  try {
    const sourceSeconds = await runSmtpSource(sinkPort, {
      messages: options.messages,
      sessions: options.connections,
      bytes: options.bytes,
    });
    const relaySeconds = await relayAlone(sinkPort, options);
    const { serve, token } = await startServe(dataDir, {
      LAZARET_RELAY_HOST: '127.0.0.1',
      LAZARET_RELAY_PORT: String(sinkPort),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_RELAY_MAX_CONNECTIONS: String(options.connections),
    });
    let jobSeconds: number;
    try {
      ({ seconds: jobSeconds } = await runJob(serve, token, 'release', options.messages));
    } finally {
      await serve.stop();
    }
    const sourceRate = options.messages / sourceSeconds;
    const jobRate = options.messages / jobSeconds;
    const relayRate = options.messages / relaySeconds;
    return {
      case: 'release-e2e',
      title: `Release end to end: ${options.messages.toLocaleString('en-US')} messages of ${options.bytes} bytes to smtp-sink, ${options.connections} connections`,
      notes: [
        "Relay alone: Lazaret's SMTP relay (a nodemailer pool) sending a prebuilt message from memory, no store: what Node and nodemailer reach on this machine, the ceiling for a release job.",
        'Lazaret: one release job through the API of a `lazaret serve` child process (SQLite, raw messages on disk), from the request until its JOB_FINISHED log line; every item must end ok. smtp-source: the same number of messages of the same size to the same smtp-sink, as many sessions as Lazaret has relay connections.',
      ],
      rows: [
        {
          sender: 'smtp-source → smtp-sink (one SMTP hop)',
          'msgs/s': sourceRate,
          seconds: sourceSeconds,
          'vs smtp-source': 1,
          'vs relay alone': sourceRate / relayRate,
        },
        {
          sender: 'relay alone (nodemailer pool, from memory) → smtp-sink',
          'msgs/s': relayRate,
          seconds: relaySeconds,
          'vs smtp-source': relayRate / sourceRate,
          'vs relay alone': 1,
        },
        {
          sender: 'Lazaret release job → smtp-sink',
          'msgs/s': jobRate,
          seconds: jobSeconds,
          'vs smtp-source': jobRate / sourceRate,
          'vs relay alone': jobRate / relayRate,
        },
      ],
    };
  } finally {
    await stopProcess(sink);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The relay of a release job without the job: the same message from memory, as many connections. */
async function relayAlone(port: number, options: ReleaseE2eOptions): Promise<number> {
  const config = loadConfig({
    env: {
      LAZARET_RELAY_HOST: '127.0.0.1',
      LAZARET_RELAY_PORT: String(port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_RELAY_MAX_CONNECTIONS: String(options.connections),
    },
  });
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
