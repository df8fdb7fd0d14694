import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server.js';
import { ApiClient } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { tempDir, testConfig } from '../support/env.js';
import { message } from '../support/mail.js';
import { type LogLine, memoryLogger } from '../support/memory-logger.js';
import { CLI_PATH, runCli } from '../support/serve-process.js';
import { type SmtpDialogue, sendRaw, smtpDialogue } from '../support/smtp-client.js';

const ADMIN = { email: 'admin@corp.test', password: 'decision-log-admin-pw' };

function config(dataDir: string, reinjectPort: number, extra: Record<string, string | number> = {}) {
  return testConfig({
    LAZARET_DATA_DIR: dataDir,
    LAZARET_SMTP_PORT: 0,
    LAZARET_HTTP_PORT: 0,
    LAZARET_MODE: 'filter',
    LAZARET_FILTER_REINJECT_PORT: reinjectPort,
    LAZARET_RELAY_PORT: reinjectPort,
    LAZARET_RELAY_TLS: 'none',
    LAZARET_SCANNERS_ENABLED: 'headers,policy',
    LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS: '127.0.0.1',
    LAZARET_SCANNERS_POLICY_SENDER_BLOCK: 'blocked.test:spammer@bad.example',
    LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
    LAZARET_ADMIN_EMAIL: ADMIN.email,
    LAZARET_ADMIN_PASSWORD: ADMIN.password,
    ...extra,
  });
}

/** One transaction as Postfix's smtp(8) sends it with smtp_send_xforward_command=yes. */
async function sendForwarded(
  session: SmtpDialogue,
  xforward: { addr: string; helo: string; ident: string },
  from: string,
  to: string[],
  content: Buffer,
): Promise<string> {
  await session.say('EHLO postfix.corp.test');
  expect(
    await session.say(
      `XFORWARD NAME=mail.sender.example ADDR=${xforward.addr} PROTO=ESMTP HELO=${xforward.helo}`,
    ),
  ).toMatch(/^250 /);
  expect(await session.say(`XFORWARD IDENT=${xforward.ident} SOURCE=REMOTE`)).toMatch(/^250 /);
  await session.say(`MAIL FROM:<${from}>`);
  for (const recipient of to) await session.say(`RCPT TO:<${recipient}>`);
  await session.say('DATA');
  return session.say(`${content.toString('latin1')}.`);
}

describe('decision and action logs: who sent what to whom, why it was held, who released it', () => {
  let downstream: Downstream;
  let server: RunningServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let log: ReturnType<typeof memoryLogger>;
  let admin: ApiClient;

  beforeAll(async () => {
    dir = await tempDir();
    downstream = await new Downstream().start();
    log = memoryLogger('info');
    server = await startServer(config(dir.path, downstream.port), log.logger, () => undefined);
    admin = await ApiClient.login(
      () => `http://127.0.0.1:${server.httpAddress.port}`,
      ADMIN.email,
      ADMIN.password,
    );
  });
  afterAll(async () => {
    await server?.close();
    await downstream?.stop();
    await dir?.cleanup();
  });

  it('writes one INGEST_DECISION line with queue id, client, HELO, Message-ID, sender and each recipient’s fate', async () => {
    const raw = message({ subject: 'decision log', from: 'spammer@bad.example' });
    const headerMessageId = /^Message-ID: (<[^>]+>)/im.exec(raw.toString('latin1'))![1];
    const session = await smtpDialogue(server.smtpAddress.port);
    const reply = await sendForwarded(
      session,
      { addr: '192.0.2.44', helo: 'mail.sender.example', ident: '4Xb1Kz2QfNz9TQ' },
      'spammer@bad.example',
      ['x@blocked.test', 'y@open.test'],
      raw,
    );
    session.close();
    expect(reply).toMatch(/^250 2\.6\.0 Held as [0-9A-Z]{26}, relayed to 1 recipient\(s\)$/);
    const line = await log.waitFor(
      (each) => each.event === 'INGEST_DECISION' && each.queueId === '4Xb1Kz2QfNz9TQ',
    );
    const [item] = (await server.context.items.listItems({ subject: 'decision log' }, { limit: 10 })).items;
    expect(line).toMatchObject({
      level: 30,
      queueId: '4Xb1Kz2QfNz9TQ',
      client: '192.0.2.44',
      helo: 'mail.sender.example',
      peer: '127.0.0.1',
      messageId: item!.messageId,
      headerMessageId,
      sender: 'spammer@bad.example',
      reply,
      recipients: [
        {
          recipient: 'x@blocked.test',
          fate: 'held',
          itemId: item!.id,
          reason: 'policy',
          scanner: 'policy',
          rule: 'sender-block',
        },
        { recipient: 'y@open.test', fate: 'relayed' },
      ],
    });
    expect(line.size).toBeGreaterThan(0);
    expect(
      log.lines.filter((each) => each.event === 'INGEST_DECISION' && each.queueId === '4Xb1Kz2QfNz9TQ'),
    ).toHaveLength(1);
  });

  it('returns the client address, HELO and queue id with the item', async () => {
    const [item] = (await server.context.items.listItems({ subject: 'decision log' }, { limit: 10 })).items;
    const answer = await admin.request(`/api/quarantine/${item!.id}`);
    expect(answer.status).toBe(200);
    expect((answer.body as { message: unknown }).message).toMatchObject({
      remoteAddress: '192.0.2.44',
      heloName: 'mail.sender.example',
      queueId: '4Xb1Kz2QfNz9TQ',
    });
    const openapi = await admin.request('/api/openapi.json');
    const schema = (
      openapi.body as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } }
    ).components.schemas.Message!;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['remoteAddress', 'heloName', 'queueId']),
    );
  });

  it('keeps SPF, DKIM, DMARC and ARC from the trusted peer’s topmost Authentication-Results header', async () => {
    const raw = message({
      subject: 'authenticated',
      headers: [
        'Authentication-Results: mx.corp.test; spf=pass (sender SPF authorized) smtp.mailfrom=bad.example;\r\n\tdkim=fail (bad signature) header.d=bad.example; dmarc=fail header.from=bad.example; arc=none; iprev=pass',
        'Authentication-Results: forged.example; spf=pass; dkim=pass; dmarc=pass',
      ],
    });
    const session = await smtpDialogue(server.smtpAddress.port);
    await sendForwarded(
      session,
      { addr: '192.0.2.47', helo: 'auth.example', ident: '4Xb1Kz2QfNz9TU' },
      'spammer@bad.example',
      ['w@blocked.test'],
      raw,
    );
    session.close();
    await log.waitFor((each) => each.event === 'INGEST_DECISION' && each.queueId === '4Xb1Kz2QfNz9TU');
    const [item] = (await server.context.items.listItems({ subject: 'authenticated' }, { limit: 10 })).items;
    const answer = await admin.request(`/api/quarantine/${item!.id}`);
    expect((answer.body as { message: { headers: unknown } }).message.headers).toMatchObject({
      authResults: [
        { method: 'spf', result: 'pass', detail: 'sender SPF authorized; smtp.mailfrom=bad.example' },
        { method: 'dkim', result: 'fail', detail: 'bad signature; header.d=bad.example' },
        { method: 'dmarc', result: 'fail', detail: 'header.from=bad.example' },
        { method: 'arc', result: 'none' },
      ],
    });
  });

  it('takes the queue id from Postfix’s Received header when XFORWARD did not send it', async () => {
    const received =
      'Received: from client.example.net (localhost [127.0.0.1])\r\n\tby mx.corp.test (Postfix) with ESMTP id 4Xb1Kz2QfNz9TZ\r\n\tfor <z@blocked.test>; Wed,  2 Dec 2026 10:04:38 +0000 (UTC)\r\n';
    const raw = Buffer.concat([Buffer.from(received), message({ subject: 'received only' })]);
    const outcome = await sendRaw(
      server.smtpAddress.port,
      { from: 'spammer@bad.example', to: ['z@blocked.test'] },
      raw,
    );
    expect(outcome.ok).toBe(true);
    const line = await log.waitFor(
      (each) => each.event === 'INGEST_DECISION' && each.queueId === '4Xb1Kz2QfNz9TZ',
    );
    const [item] = (await server.context.items.listItems({ subject: 'received only' }, { limit: 10 })).items;
    expect(line).toMatchObject({ client: '127.0.0.1', recipients: [{ itemId: item!.id, fate: 'held' }] });
    expect(await server.context.items.getMessage(item!.messageId)).toMatchObject({
      queueId: '4Xb1Kz2QfNz9TZ',
    });
  });

  it('writes the scanner facts of a held recipient: score and symbols', async () => {
    const session = await smtpDialogue(server.smtpAddress.port);
    await sendForwarded(
      session,
      { addr: '192.0.2.45', helo: 'spam.example', ident: '4Xb1Kz2QfNz9TR' },
      'someone@spam.example',
      ['dave@open.test'],
      message({
        subject: 'scored spam',
        headers: ['X-Spam-Flag: YES', 'X-Spam-Status: Yes, score=12.5 required=5.0 tests=GTUBE,MISSING_MID'],
      }),
    );
    session.close();
    const line = await log.waitFor(
      (each) => each.event === 'INGEST_DECISION' && each.queueId === '4Xb1Kz2QfNz9TR',
    );
    expect(line.recipients).toEqual([
      expect.objectContaining({
        recipient: 'dave@open.test',
        fate: 'held',
        reason: 'spam',
        score: 12.5,
        scanner: 'headers',
        symbols: ['GTUBE', 'MISSING_MID'],
      }),
    ]);
  });

  it('writes a refusal with the same origin facts and the exact reply', async () => {
    downstream.onData = () => ({ code: 554, message: 'Content refused downstream' });
    const session = await smtpDialogue(server.smtpAddress.port);
    try {
      await sendForwarded(
        session,
        { addr: '192.0.2.46', helo: 'refused.example', ident: '4Xb1Kz2QfNz9TS' },
        'a@refused.example',
        ['erin@open.test'],
        message({ subject: 'refused' }),
      );
    } finally {
      session.close();
      downstream.onData = undefined;
    }
    const line = await log.waitFor(
      (each) => each.event === 'INGEST_REFUSED' && each.queueId === '4Xb1Kz2QfNz9TS',
    );
    expect(line).toMatchObject({
      level: 40,
      client: '192.0.2.46',
      helo: 'refused.example',
      sender: 'a@refused.example',
      recipients: ['erin@open.test'],
      reply: '554 5.7.1 Relay: 554 Content refused downstream',
    });
  });

  it('writes one ITEM_ACTION line per release, request, deny and delete with actor, item, recipient and outcome', async () => {
    const [item] = (await server.context.items.listItems({ subject: 'decision log' }, { limit: 10 })).items;
    const actionsOf = (action: string) =>
      log.lines.filter(
        (line: LogLine) => line.event === 'ITEM_ACTION' && line.itemId === item!.id && line.action === action,
      );

    expect(
      (await admin.request(`/api/quarantine/${item!.id}/request-release`, { method: 'POST', json: {} }))
        .status,
    ).toBe(200);
    expect(
      (await admin.request(`/api/quarantine/${item!.id}/deny`, { method: 'POST', json: {} })).status,
    ).toBe(200);
    expect(
      (await admin.request(`/api/quarantine/${item!.id}/release`, { method: 'POST', json: {} })).status,
    ).toBe(200);
    // Released already: the refusal is a line too.
    expect(
      (await admin.request(`/api/quarantine/${item!.id}/release`, { method: 'POST', json: {} })).status,
    ).toBe(409);
    expect((await admin.request(`/api/quarantine/${item!.id}`, { method: 'DELETE' })).status).toBe(200);

    const common = {
      actor: ADMIN.email,
      itemId: item!.id,
      recipient: 'x@blocked.test',
      sender: 'spammer@bad.example',
    };
    expect(actionsOf('release_request')).toEqual([expect.objectContaining({ ...common, outcome: 'ok' })]);
    expect(actionsOf('release_deny')).toEqual([expect.objectContaining({ ...common, outcome: 'ok' })]);
    expect(actionsOf('release')).toEqual([
      expect.objectContaining({
        ...common,
        outcome: 'ok',
        to: ['x@blocked.test'],
        reply: expect.stringMatching(/^250 /),
      }),
      expect.objectContaining({ ...common, outcome: 'already_released' }),
    ]);
    expect(actionsOf('delete')).toEqual([expect.objectContaining({ ...common, outcome: 'ok' })]);
  });
});

describe('HTTP access lines', () => {
  const accessLines = async (extra: Record<string, string>) => {
    const dir = await tempDir();
    const log = memoryLogger('info');
    const server = await startServer(
      config(dir.path, 1, { LAZARET_MODE: 'capture', ...extra }),
      log.logger,
      () => undefined,
    );
    try {
      expect((await fetch(`http://127.0.0.1:${server.httpAddress.port}/healthz`)).status).toBe(200);
    } finally {
      // Closing waits for the requests in flight, whose response hooks have run by then.
      await server.close();
      await dir.cleanup();
    }
    return log.lines.filter((line) => line.event === 'HTTP_ACCESS' || line.msg === 'request completed');
  };

  it('are written at debug by default, so a server at info writes none', async () => {
    expect(await accessLines({})).toEqual([]);
  });

  it('are one line per request at log.httpLevel', async () => {
    expect(await accessLines({ LAZARET_LOG_HTTP_LEVEL: 'info' })).toEqual([
      expect.objectContaining({
        level: 30,
        method: 'GET',
        url: '/healthz',
        status: 200,
        client: '127.0.0.1',
      }),
    ]);
  });
});

describe('log.format', () => {
  /** Starts `lazaret serve` with `format`, answers its standard output up to the HTTP_LISTENING line, and stops it. */
  const firstLines = async (format: string | undefined) => {
    const dir = await tempDir();
    const child = spawn(process.execPath, [CLI_PATH, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        LAZARET_DATA_DIR: dir.path,
        LAZARET_SMTP_PORT: '0',
        LAZARET_HTTP_PORT: '0',
        LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: '0',
        LAZARET_ADMIN_PASSWORD: 'log-format-admin-pw',
        ...(format ? { LAZARET_LOG_FORMAT: format } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    try {
      for await (const line of createInterface({ input: child.stdout })) {
        lines.push(line);
        if (line.includes('HTTP_LISTENING')) break;
      }
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      await dir.cleanup();
    }
    return lines;
  };

  it('writes JSON lines when standard output is not a terminal and nothing is configured', async () => {
    const lines = await firstLines(undefined);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ event: 'HTTP_LISTENING', level: 30 });
  });

  it('writes logfmt lines with level names and dotted nested keys', async () => {
    const lines = await firstLines('logfmt');
    const line = lines.find((text) => text.includes('event=HTTP_LISTENING'))!;
    expect(line).toMatch(/^level=info time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /);
    expect(line).toMatch(/ service=lazaret /);
  });

  it('writes pino-pretty lines for people', async () => {
    const lines = await firstLines('pretty');
    const line = lines.find((text) => text.includes('HTTP_LISTENING'))!;
    expect(line.startsWith('{')).toBe(false);
    expect(line).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4}\] INFO.*: HTTP_LISTENING/);
  });

  it('refuses an unknown format with a message that names the key', async () => {
    const result = await runCli({ LAZARET_LOG_FORMAT: 'xml' }, ['serve']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Invalid configuration log.format (env LAZARET_LOG_FORMAT)');
  });
});
