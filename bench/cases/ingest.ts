import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../src/config/load-config.js';
import { smtpServerOptions } from '../../src/ingest/smtp-listener.js';
import { ServeProcess } from '../../test/support/kit.js';
import { freePort, runSmtpSource, startSmtpSink, stopProcess } from '../lib/postfix-tools.js';
import type { CaseResult } from '../lib/report.js';

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
 * smtp-source into Lazaret (capture mode, 250 only once durable), against smtp-source into smtp-sink
 * and into the same SMTP server with a handler that only drains the stream (the Node ceiling).
 */
export async function runIngest(options: IngestOptions): Promise<CaseResult> {
  const sinkPort = await freePort();
  const sink = await startSmtpSink(sinkPort);
  const sinkSeconds = await runSmtpSource(sinkPort, options);
  await stopProcess(sink);

  const draining = await drainingServer();
  const ceilingSeconds = await runSmtpSource(draining.port, options);
  await draining.close();

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
  const ceilingRate = options.messages / ceilingSeconds;
  const lazaretRate = options.messages / lazaretSeconds;
  return {
    case: 'ingest',
    title: `Ingest: ${options.messages.toLocaleString('en-US')} messages of ${options.bytes} bytes, ${options.sessions} parallel smtp-source sessions`,
    notes: [
      `Every message Lazaret acknowledged was found stored (${stored} items).`,
      'The Node ceiling is the same smtp-server configuration with a handler that only drains the message: no parsing, no storage.',
    ],
    rows: [
      {
        receiver: 'smtp-sink (discards)',
        'msgs/s': sinkRate,
        seconds: sinkSeconds,
        'vs smtp-sink': 1,
        'vs Node ceiling': sinkRate / ceilingRate,
      },
      {
        receiver: 'Node ceiling (smtp-server, drain only)',
        'msgs/s': ceilingRate,
        seconds: ceilingSeconds,
        'vs smtp-sink': ceilingRate / sinkRate,
        'vs Node ceiling': 1,
      },
      {
        receiver: 'Lazaret capture (fsync + commit before 250)',
        'msgs/s': lazaretRate,
        seconds: lazaretSeconds,
        'vs smtp-sink': lazaretRate / sinkRate,
        'vs Node ceiling': lazaretRate / ceilingRate,
      },
    ],
  };
}
