import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runSmtpSource, startSmtpSink, stopProcess } from '../lib/postfix-tools.js';
import type { CaseResult, Row } from '../lib/report.js';
import { peakRssMiB, relayEnv, runJob, seededDataDir, startServe } from '../lib/serve-jobs.js';

export interface MemoryOptions {
  /** Items of the release job. */
  releaseItems: number;
  /** Size of the one message ingested. */
  ingestBytes: number;
}

/** Peak resident memory (VmHWM) of a `lazaret serve` child during a large release job and a large message. */
export async function runMemory(options: MemoryOptions): Promise<CaseResult> {
  const rows: Row[] = [];
  const sinkPort = await freePort();
  const sink = await startSmtpSink(sinkPort);
  const releaseDir = await seededDataDir(options.releaseItems, 2048);
  const ingestDir = await mkdtemp(join(tmpdir(), 'lazaret-bench-memory-'));
  try {
    const release = await startServe(releaseDir, relayEnv(sinkPort));
    try {
      const idle = peakRssMiB(release.serve.pid);
      const { seconds } = await runJob(release.serve, release.token, 'release', options.releaseItems);
      rows.push({
        scenario: `release job of ${options.releaseItems.toLocaleString('en-US')} items (2 KiB each) to smtp-sink`,
        'peak RSS after start MiB': idle,
        'peak RSS MiB': peakRssMiB(release.serve.pid),
        seconds,
      });
    } finally {
      await release.serve.stop();
    }

    const ingest = await startServe(ingestDir, {
      LAZARET_SMTP_MAX_MESSAGE_SIZE: String(options.ingestBytes + 1024 * 1024),
    });
    try {
      const idle = peakRssMiB(ingest.serve.pid);
      const seconds = await runSmtpSource(ingest.serve.smtpPort, {
        messages: 1,
        sessions: 1,
        bytes: options.ingestBytes,
      });
      rows.push({
        scenario: `ingest of one ${(options.ingestBytes / 1e6).toLocaleString('en-US')} MB message (smtp-source)`,
        'peak RSS after start MiB': idle,
        'peak RSS MiB': peakRssMiB(ingest.serve.pid),
        seconds,
      });
    } finally {
      await ingest.serve.stop();
    }
  } finally {
    await stopProcess(sink);
    await rm(releaseDir, { recursive: true, force: true });
    await rm(ingestDir, { recursive: true, force: true });
  }
  return {
    case: 'memory',
    title: 'Memory: peak resident set of `lazaret serve`',
    notes: [
      'VmHWM of the serve child process read from /proc/<pid>/status right after it listens and again after the work; the target is below 300 MB.',
    ],
    rows,
  };
}
