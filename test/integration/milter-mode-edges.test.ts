import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { freePort, tempDir, testConfig } from '../support/env.js';
import { cstr, frame, TestMta, u32 } from '../support/milter-mta.js';

/* Milter mode as the MTA's side of the socket sees it: a unix socket, size limit, aborts, several messages per connection. */

const ALL_ACTIONS = 0x1ff;
const LIMIT = 64 * 1024;

describe('LAZARET_MODE=milter on a unix socket', () => {
  let server: RunningServer;
  let dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
  let socketPath: string;

  beforeAll(async () => {
    dirs = [await tempDir(), await tempDir()];
    socketPath = join(dirs[1]!.path, 'milter.sock');
    server = await startServer(
      testConfig({
        LAZARET_DATA_DIR: dirs[0]!.path,
        LAZARET_HTTP_PORT: 0,
        LAZARET_MODE: 'milter',
        LAZARET_MILTER_LISTEN: `unix:${socketPath}`,
        LAZARET_SMTP_MAX_MESSAGE_SIZE: LIMIT,
        LAZARET_SCANNERS_ENABLED: 'policy',
        LAZARET_SCANNERS_POLICY_SENDER_BLOCK: 'spammer@bad.example',
        LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
      }),
      createLogger('silent'),
      () => undefined,
    );
  });

  afterAll(async () => {
    await server?.close();
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  });

  const itemsWithSubject = async (subject: string) =>
    (await server.context.items.listItems({ subject }, { limit: 10 })).items;

  /** MAIL, RCPT, one header and the end of the headers; every command is answered (no steps skipped). */
  const start = (sender: string, subject: string) => [
    frame('M', cstr(`<${sender}>`)),
    frame('R', cstr('<victim@example.test>')),
    frame('L', cstr('Subject'), cstr(` ${subject}`)),
    frame('N'),
  ];

  it('has no SMTP listener and says where the milter listens', () => {
    expect(server.milterAddress).toBe(socketPath);
    expect(() => server.smtpAddress).toThrow(/no SMTP listener/);
  });

  it('refuses a body past smtp.maxMessageSize with 552 and keeps nothing; the next message on the connection is taken', async () => {
    const mta = await TestMta.connect({ path: socketPath });
    mta.send(frame('O', u32(6), u32(ALL_ACTIONS), u32(0)));
    await mta.until('O');
    mta.send(...start('spammer@bad.example', 'edge too big'));
    for (let index = 0; index < 4; index += 1) await mta.until('c');
    const chunk = Buffer.alloc(60 * 1024, 'a');
    for (let index = 0; index < 4; index += 1) {
      mta.send(frame('B', chunk));
      await mta.until('c');
    }
    mta.send(frame('E'));
    const [reply] = await mta.until('y');
    expect(reply!.payload.toString('latin1')).toMatch(/^552 5\.3\.4 /);
    expect(await itemsWithSubject('edge too big')).toEqual([]);

    mta.send(...start('spammer@bad.example', 'edge second'), frame('B', Buffer.from('hi\r\n')), frame('E'));
    const frames = await mta.until('adty');
    expect(frames.at(-1)!.code).toBe('d');
    expect((await itemsWithSubject('edge second')).map((item) => item.recipient)).toEqual([
      'victim@example.test',
    ]);
    mta.send(frame('Q'));
    await mta.closed;
  });

  it('forgets an aborted message (nothing stored) and decides the next one', async () => {
    const mta = await TestMta.connect({ path: socketPath });
    mta.send(frame('O', u32(6), u32(ALL_ACTIONS), u32(0)));
    await mta.until('O');
    mta.send(...start('spammer@bad.example', 'edge aborted'), frame('B', Buffer.from('part')));
    for (let index = 0; index < 5; index += 1) await mta.until('c');
    mta.send(frame('A'));
    mta.send(...start('friend@good.example', 'edge clean'), frame('B', Buffer.from('hi\r\n')), frame('E'));
    const frames = await mta.until('adty');
    expect(frames.at(-1)!.code).toBe('a');
    expect(await itemsWithSubject('edge aborted')).toEqual([]);
    expect(await itemsWithSubject('edge clean')).toEqual([]);
    mta.send(frame('Q'));
    await mta.closed;
  });
});

describe('LAZARET_MODE=milter with a scanner down', () => {
  const servers: RunningServer[] = [];
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  });

  /** A milter-mode server whose clamd is a port nobody listens on, and the answer to one message. */
  const answerWith = async (onError: 'tempfail' | 'pass') => {
    const dir = await tempDir();
    dirs.push(dir);
    const server = await startServer(
      testConfig({
        LAZARET_DATA_DIR: dir.path,
        LAZARET_HTTP_PORT: 0,
        LAZARET_MODE: 'milter',
        LAZARET_MILTER_LISTEN: `unix:${join(dir.path, 'milter.sock')}`,
        LAZARET_SCANNERS_ENABLED: 'policy,clamav',
        LAZARET_SCANNERS_CLAMAV_PORT: await freePort(),
        LAZARET_SCANNERS_ON_ERROR: onError,
        LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
      }),
      createLogger('silent'),
      () => undefined,
    );
    servers.push(server);
    const mta = await TestMta.connect({ path: join(dir.path, 'milter.sock') });
    mta.send(frame('O', u32(6), u32(ALL_ACTIONS), u32(0)));
    await mta.until('O');
    mta.send(
      frame('M', cstr('<sender@example.org>')),
      frame('R', cstr('<victim@example.test>')),
      frame('N'),
      frame('B', Buffer.from('hi\r\n')),
      frame('E'),
    );
    const frames = await mta.until('adty');
    mta.send(frame('Q'));
    return frames.at(-1)!;
  };

  it('answers 451 4.7.1 with scanners.onError = tempfail (the MTA keeps the message)', async () => {
    const reply = await answerWith('tempfail');
    expect(reply.code).toBe('y');
    expect(reply.payload.toString('latin1')).toMatch(/^451 4\.7\.1 Content scanner unavailable/);
  });

  it('lets the message through with scanners.onError = pass', async () => {
    expect((await answerWith('pass')).code).toBe('a');
  });
});
