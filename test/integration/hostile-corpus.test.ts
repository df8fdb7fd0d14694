import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { Downstream } from '../support/downstream.js';
import { tempDir, testConfig } from '../support/env.js';
import { message } from '../support/mail.js';
import { canonicalLineEnds, sendExact, sendRaw } from '../support/smtp-client.js';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'hostile');
const fixtures = readdirSync(CORPUS)
  .filter((file) => file.endsWith('.eml'))
  .sort();
/** Each message must be answered within this, however it is built (generous for a loaded CI machine). */
const TIME_BOUND_MS = 15_000;

describe('hostile MIME corpus (scripts/generate-hostile-corpus.mjs)', () => {
  let capture: RunningServer;
  let filter: RunningServer;
  let downstream: Downstream;
  let dirs: Awaited<ReturnType<typeof tempDir>>[] = [];

  beforeAll(async () => {
    dirs = [await tempDir(), await tempDir()];
    downstream = await new Downstream({ server: { size: 0 } }).start();
    const common = {
      LAZARET_SMTP_PORT: 0,
      LAZARET_HTTP_PORT: 0,
      LAZARET_SMTP_MAX_MESSAGE_SIZE: 4 * 1024 * 1024,
      LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
    };
    capture = await startServer(
      testConfig({ ...common, LAZARET_DATA_DIR: dirs[0]!.path }),
      createLogger('silent'),
    );
    filter = await startServer(
      testConfig({
        ...common,
        LAZARET_DATA_DIR: dirs[1]!.path,
        LAZARET_MODE: 'filter',
        LAZARET_FILTER_REINJECT_PORT: downstream.port,
        LAZARET_SCANNERS_ENABLED: 'headers,policy',
        LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS: '127.0.0.1',
      }),
      createLogger('silent'),
    );
  });

  afterAll(async () => {
    await capture?.close();
    await filter?.close();
    await downstream?.stop();
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  });

  it('has a corpus to run', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(25);
  });

  for (const fixture of fixtures) {
    it(`${fixture}: capture mode answers in bounded time and keeps the exact bytes`, async () => {
      const content = readFileSync(join(CORPUS, fixture));
      const started = Date.now();
      const outcome = await sendExact(
        capture.smtpAddress.port,
        { from: 'hostile@example.org', to: ['victim@example.test'] },
        content,
        TIME_BOUND_MS,
      );
      expect(Date.now() - started).toBeLessThan(TIME_BOUND_MS);
      expect(outcome.code, outcome.reply).toBe(250);
      const id = /Held as ([0-9A-Z]{26})/.exec(outcome.reply)?.[1];
      expect(id).toBeDefined();
      const stored = await capture.context.items.getMessage(id!);
      expect(stored).not.toBeNull();
      expect(stored!.size).toBe(outcome.sent.length);
      const bytes = await buffer(await capture.context.blobs.get(stored!.blobKey));
      expect(bytes.equals(outcome.sent)).toBe(true);
      expect(Array.isArray(stored!.parseProblems)).toBe(true);
    });

    it(`${fixture}: filter mode answers in bounded time; relayed bytes are exact but for SMTP line ends`, async () => {
      const content = readFileSync(join(CORPUS, fixture));
      const before = downstream.deliveries.length;
      const outcome = await sendExact(
        filter.smtpAddress.port,
        { from: 'hostile@example.org', to: ['victim@example.test'] },
        content,
        TIME_BOUND_MS,
      );
      expect(outcome.code, outcome.reply).toBe(250);
      if (/relayed/.test(outcome.reply)) {
        expect(downstream.deliveries.length).toBe(before + 1);
        // The relay sends what was stored; SMTP itself turns bare CR/LF into CRLF on the wire.
        expect(downstream.deliveries.at(-1)!.raw.equals(canonicalLineEnds(outcome.sent))).toBe(true);
      } else {
        expect(outcome.reply).toMatch(/Held as/);
      }
    });
  }

  it('records what could not be parsed', async () => {
    const summaryOf = async (fixture: string) => {
      const outcome = await sendExact(
        capture.smtpAddress.port,
        { from: 'hostile@example.org', to: ['victim@example.test'] },
        readFileSync(join(CORPUS, fixture)),
      );
      const id = /Held as ([0-9A-Z]{26})/.exec(outcome.reply)![1]!;
      return (await capture.context.items.getMessage(id))!;
    };
    const deep = await summaryOf('deep-nesting.eml');
    expect(deep.headers.subject).toBe('deep nesting');
    expect(deep.parseProblems.join(' ')).toMatch(/MIME structure/);
    const many = await summaryOf('thousands-of-parts.eml');
    expect(many.parseProblems.join(' ')).toMatch(/MIME structure|not listed/);
    const bomb = await summaryOf('encoded-word-bomb.eml');
    expect(bomb.parseProblems.length).toBeGreaterThan(0);
    const bareLf = await summaryOf('bare-lf.eml');
    expect(bareLf.headers.subject).toBe('bare LF line ends');
    const absurd = await summaryOf('absurd-header-line.eml');
    expect(absurd.parseProblems.length).toBeGreaterThan(0);
  });

  it('stays up and serves normal mail after the whole corpus', async () => {
    const health = await fetch(`http://127.0.0.1:${capture.httpAddress.port}/healthz`);
    expect(health.status).toBe(200);
    const outcome = await sendRaw(
      capture.smtpAddress.port,
      { from: 'a@example.org', to: ['b@example.test'] },
      message({}),
    );
    expect(outcome).toMatchObject({ ok: true, code: 250 });
    const relayed = await sendRaw(
      filter.smtpAddress.port,
      { from: 'a@example.org', to: ['b@example.test'] },
      message({}),
    );
    expect(relayed).toMatchObject({ ok: true, code: 250 });
  });

  it('refuses a message over the size limit with a clear 552 and keeps nothing', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 'a');
    const outcome = await sendExact(
      capture.smtpAddress.port,
      { from: 'hostile@example.org', to: ['victim@example.test'] },
      Buffer.concat([Buffer.from('Subject: too big\r\n\r\n'), huge]),
    );
    expect(outcome.code).toBe(552);
  });
});
