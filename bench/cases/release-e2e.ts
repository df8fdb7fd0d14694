import { rm } from 'node:fs/promises';
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
    return {
      case: 'release-e2e',
      title: `Release end to end: ${options.messages.toLocaleString('en-US')} messages of ${options.bytes} bytes to smtp-sink, ${options.connections} connections`,
      notes: [
        'Lazaret: one release job through the API of a `lazaret serve` child process (SQLite, raw messages on disk), from the request until its JOB_FINISHED log line; every item must end ok. smtp-source: the same number of messages of the same size to the same smtp-sink, as many sessions as Lazaret has relay connections.',
      ],
      rows: [
        {
          sender: 'smtp-source → smtp-sink (one SMTP hop)',
          'msgs/s': sourceRate,
          seconds: sourceSeconds,
          'vs smtp-source': 1,
        },
        {
          sender: 'Lazaret release job → smtp-sink',
          'msgs/s': jobRate,
          seconds: jobSeconds,
          'vs smtp-source': jobRate / sourceRate,
        },
      ],
    };
  } finally {
    await stopProcess(sink);
    await rm(dataDir, { recursive: true, force: true });
  }
}
