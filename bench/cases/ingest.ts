import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ServeProcess } from '../../test/support/serve-process.js';
import { freePort, runSmtpSource, startSmtpSink, stopProcess } from '../lib/postfix-tools.js';
import type { CaseResult } from '../lib/report.js';

export interface IngestOptions {
  messages: number;
  sessions: number;
  bytes: number;
}

/** smtp-source into Lazaret (capture mode, 250 only once durable) against smtp-source into smtp-sink. */
export async function runIngest(options: IngestOptions): Promise<CaseResult> {
  const sinkPort = await freePort();
  const sink = await startSmtpSink(sinkPort);
  const sinkSeconds = await runSmtpSource(sinkPort, options);
  await stopProcess(sink);

  const dataDir = await mkdtemp(join(tmpdir(), 'lazaret-bench-ingest-'));
  const serve = await new ServeProcess({ LAZARET_DATA_DIR: dataDir }).start();
  const lazaretSeconds = await runSmtpSource(serve.smtpPort, options);
  await serve.stop();
  const db = new BetterSqlite3(join(dataDir, 'lazaret.sqlite'), { readonly: true });
  const stored = (db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
  db.close();
  await rm(dataDir, { recursive: true, force: true });
  if (stored !== options.messages) throw new Error(`expected ${options.messages} items, found ${stored}`);

  const sinkRate = options.messages / sinkSeconds;
  const lazaretRate = options.messages / lazaretSeconds;
  return {
    case: 'ingest',
    title: `Ingest: ${options.messages.toLocaleString('en-US')} messages of ${options.bytes} bytes, ${options.sessions} parallel smtp-source sessions`,
    notes: [`Every message Lazaret acknowledged was found stored (${stored} items).`],
    rows: [
      { receiver: 'smtp-sink (discards)', 'msgs/s': sinkRate, seconds: sinkSeconds, 'vs smtp-sink': 1 },
      {
        receiver: 'Lazaret capture (fsync + commit before 250)',
        'msgs/s': lazaretRate,
        seconds: lazaretSeconds,
        'vs smtp-sink': lazaretRate / sinkRate,
      },
    ],
  };
}
