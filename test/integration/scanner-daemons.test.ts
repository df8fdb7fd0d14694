import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScannerName } from '../../src/config/load-config.js';
import { SummaryCollector } from '../../src/ingest/message-summary.js';
import type { ScanInput } from '../../src/ingest/scanners/scanner.js';
import { buildScanners, VerdictPipeline } from '../../src/ingest/verdict-pipeline.js';
import { createLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { type RunningServer, startServer } from '../../src/server.js';
import {
  CLAMAV_TEST_SIGNATURE,
  CLAMAV_TEST_STRING,
  type Daemon,
  type ScannerDaemons,
  startScannerDaemons,
} from '../support/daemons.js';
import { Downstream } from '../support/downstream.js';
import { freePort, missingPrograms, tempDir, testConfig } from '../support/env.js';
import { GTUBE, message } from '../support/mail.js';
import { sendRaw } from '../support/smtp-client.js';

const missing = missingPrograms('scanner daemon tests', ['clamd', 'spamd', 'rspamd']);

async function scanInput(
  raw: Buffer,
  overrides: Partial<ScanInput> = {},
): Promise<Omit<ScanInput, 'signal'>> {
  const collector = new SummaryCollector();
  collector.end(raw);
  await new Promise((resolve) => collector.on('finish', resolve));
  return {
    messageId: '01JTESTMESSAGE0000000000000',
    envelope: { mailFrom: 'sender@example.org', rcptTo: ['rcpt@example.test'] },
    recipients: ['rcpt@example.test'],
    sender: 'sender@example.org',
    size: raw.length,
    summary: collector.summary(),
    remoteAddress: '127.0.0.1',
    openRaw: async () => Readable.from([raw]),
    ...overrides,
  };
}

function configFor(
  ports: { clamd: number; spamd: number; rspamd: number },
  extra: Record<string, string | number> = {},
) {
  return testConfig({
    LAZARET_MODE: 'filter',
    LAZARET_SCANNERS_ENABLED: 'clamav,spamassassin,rspamd',
    LAZARET_SCANNERS_CLAMAV_PORT: ports.clamd,
    LAZARET_SCANNERS_SPAMASSASSIN_PORT: ports.spamd,
    LAZARET_SCANNERS_RSPAMD_URL: `http://127.0.0.1:${ports.rspamd}`,
    LAZARET_SCANNERS_SPAMASSASSIN_TIMEOUT_MS: 30_000,
    ...extra,
  });
}

describe.skipIf(missing.length > 0)('scanners against real clamd, spamd and rspamd', () => {
  let daemons: ScannerDaemons;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let clamd: Daemon;
  let spamd: Daemon;
  let rspamd: Daemon;
  let downstream: Downstream;
  let server: RunningServer;

  beforeAll(async () => {
    [daemons, work] = await Promise.all([startScannerDaemons(), tempDir()]);
    ({ clamd, spamd, rspamd } = daemons);
    downstream = await new Downstream().start();
    const config = testConfig({
      ...Object.fromEntries(
        Object.entries({
          LAZARET_DATA_DIR: work.path,
          LAZARET_SMTP_PORT: 0,
          LAZARET_HTTP_PORT: 0,
          LAZARET_MODE: 'filter',
          LAZARET_FILTER_REINJECT_PORT: downstream.port,
          LAZARET_SCANNERS_ENABLED: 'policy,clamav,spamassassin,rspamd',
          LAZARET_SCANNERS_CLAMAV_PORT: clamd.port,
          LAZARET_SCANNERS_SPAMASSASSIN_PORT: spamd.port,
          LAZARET_SCANNERS_RSPAMD_URL: `http://127.0.0.1:${rspamd.port}`,
          LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
        }),
      ),
    });
    server = await startServer(config, createLogger('silent'));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await downstream?.stop();
    await daemons?.stop();
    await work?.cleanup();
  });

  const send = (raw: Buffer, to = ['user@example.test']) =>
    sendRaw(server.smtpAddress.port, { from: 'sender@example.org', to }, raw);

  it('clamd finds the test signature in an attachment: held as malware with the virus name', async () => {
    const raw = message({
      subject: 'clamav hit',
      attachments: [
        { filename: 'report.txt', contentType: 'text/plain', data: Buffer.from(`x ${CLAMAV_TEST_STRING} y`) },
      ],
    });
    expect(await send(raw)).toMatchObject({ ok: true, code: 250 });
    const { items } = await server.context.items.listItems({ subject: 'clamav hit' }, { limit: 5 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ reason: 'malware' });
    expect(items[0]!.details).toMatchObject({ scanner: 'clamav' });
    expect(String(items[0]!.details.virus)).toContain(CLAMAV_TEST_SIGNATURE);
  });

  it('spamd and rspamd both flag GTUBE; the item records score and symbols', async () => {
    const raw = message({ subject: 'gtube', body: `${GTUBE}\r\n` });
    expect(await send(raw)).toMatchObject({ ok: true, code: 250 });
    const { items } = await server.context.items.listItems({ subject: 'gtube' }, { limit: 5 });
    expect(items).toHaveLength(1);
    expect(items[0]!.reason).toBe('spam');
    expect(items[0]!.score).toBeGreaterThanOrEqual(15);
    const scanners = items[0]!.details.scanners as Record<string, { action: string; reason?: string }>;
    expect(scanners.spamassassin).toMatchObject({ action: 'quarantine', reason: 'spam' });
    expect(scanners.rspamd).toMatchObject({ action: 'quarantine', reason: 'spam' });
    expect(scanners.clamav).toMatchObject({ action: 'pass' });
    expect(items[0]!.details.symbols).toEqual(expect.arrayContaining(['GTUBE']));
  });

  it('clean mail passes every scanner and is relayed', async () => {
    const before = downstream.deliveries.length;
    const raw = message({ subject: 'hello there', body: 'Lunch at noon?\r\n' });
    expect(await send(raw)).toMatchObject({ ok: true, code: 250 });
    expect(downstream.deliveries.length).toBe(before + 1);
    expect(downstream.deliveries.at(-1)!.raw.equals(raw)).toBe(true);
  });

  it('clamd INSTREAM: a signature split across small chunks is still found', async () => {
    const [scanner] = buildScanners(
      configFor(
        { clamd: clamd.port, spamd: spamd.port, rspamd: rspamd.port },
        {
          LAZARET_SCANNERS_ENABLED: 'clamav',
          LAZARET_SCANNERS_CLAMAV_CHUNK_SIZE: 1024,
        },
      ).scanners,
    );
    const padding = 'a'.repeat(1020);
    const raw = message({
      subject: 'chunks',
      body: `${padding}${CLAMAV_TEST_STRING}\r\n${'b'.repeat(5000)}\r\n`,
    });
    const outcome = await scanner!.scan({ ...(await scanInput(raw)), signal: new AbortController().signal });
    expect(outcome.verdict).toMatchObject({ action: 'quarantine', reason: 'malware' });
  });

  it('clamd: a message above maxSize is not streamed but noted as skipped', async () => {
    const [scanner] = buildScanners(
      configFor(
        { clamd: clamd.port, spamd: spamd.port, rspamd: rspamd.port },
        {
          LAZARET_SCANNERS_ENABLED: 'clamav',
          LAZARET_SCANNERS_CLAMAV_MAX_SIZE: 2048,
        },
      ).scanners,
    );
    const raw = message({ body: `${CLAMAV_TEST_STRING}\r\n${'c'.repeat(4000)}\r\n` });
    const outcome = await scanner!.scan({ ...(await scanInput(raw)), signal: new AbortController().signal });
    expect(outcome.verdict.action).toBe('pass');
    expect(outcome.verdict.details.skipped).toMatch(/larger than 2048/);
  });

  it("clamd's own StreamMaxLength refusal is a scanner error (so onError applies), not a pass", async () => {
    const [scanner] = buildScanners(
      configFor(
        { clamd: clamd.port, spamd: spamd.port, rspamd: rspamd.port },
        {
          LAZARET_SCANNERS_ENABLED: 'clamav',
          LAZARET_SCANNERS_CLAMAV_MAX_SIZE: 10 * 1024 * 1024,
        },
      ).scanners,
    );
    const raw = message({ body: `${'d'.repeat(76)}\r\n`.repeat(40_000) });
    await expect(
      scanner!.scan({ ...(await scanInput(raw)), signal: new AbortController().signal }),
    ).rejects.toThrow(/clamd/);
  });
});

describe('scanners that are down or hang', () => {
  let silent: Server;
  let silentPort: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // A peer that accepts and never answers: the one fault a real daemon cannot be made to show on cue.
    silent = createServer({ allowHalfOpen: true }, (socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  for (const name of ['clamav', 'spamassassin', 'rspamd'] as ScannerName[]) {
    it(`${name}: refused connection → scanner_unavailable (tempfail); hang → timeout`, async () => {
      const closed = await freePort();
      const metrics = new Metrics({ defaultMetrics: false });
      const down = configFor(
        { clamd: closed, spamd: closed, rspamd: closed },
        { LAZARET_SCANNERS_ENABLED: name },
      );
      const pipeline = new VerdictPipeline(buildScanners(down.scanners), {
        onError: 'tempfail',
        logger: createLogger('silent'),
        metrics,
      });
      const input = await scanInput(message({}));
      await expect(pipeline.decide(input)).rejects.toMatchObject({ code: 'scanner_unavailable' });

      const hang = configFor(
        { clamd: silentPort, spamd: silentPort, rspamd: silentPort },
        {
          LAZARET_SCANNERS_ENABLED: name,
          LAZARET_SCANNERS_CLAMAV_TIMEOUT_MS: 300,
          LAZARET_SCANNERS_SPAMASSASSIN_TIMEOUT_MS: 300,
          LAZARET_SCANNERS_RSPAMD_TIMEOUT_MS: 300,
        },
      );
      const passing = new VerdictPipeline(buildScanners(hang.scanners), {
        onError: 'pass',
        logger: createLogger('silent'),
        metrics,
      });
      const started = Date.now();
      const verdicts = await passing.decide(input);
      expect(Date.now() - started).toBeLessThan(3000);
      const verdict = verdicts.get('rcpt@example.test')!;
      expect(verdict.action).toBe('pass');
      expect((verdict.details.scanners as Record<string, { error: string }>)[name]!.error).toMatch(
        /timed out/,
      );
      const text = await metrics.registry.metrics();
      expect(text).toContain(`lazaret_scanner_errors_total{scanner="${name}",kind="error"} 1`);
      expect(text).toContain(`lazaret_scanner_errors_total{scanner="${name}",kind="timeout"} 1`);
    });
  }
});
