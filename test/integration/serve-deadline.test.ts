import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, type IncomingMessage, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { ApiClient } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { message } from '../support/mail.js';
import { ServeProcess } from '../support/serve-process.js';
import { sendRaw } from '../support/smtp-client.js';

const PASSWORD = 'deadline-admin-password-1';
const DEADLINE_MS = 3_000;

/** A client that sent its headers and drips the body one byte at a time: a stalled upload. */
function slowUpload(port: number, cookie: string, csrf: string): { socket: Socket; answer: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  socket.write(
    'POST /api/quarantine/delete HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Content-Length: 100000\r\nCookie: lazaret_session=${cookie}\r\nX-CSRF-Token: ${csrf}\r\n\r\n{"ids":[`,
  );
  const drip = setInterval(() => {
    if (!socket.destroyed) socket.write('"');
  }, 200);
  const answer = new Promise((resolve) => socket.once('close', resolve)).then(() => {
    clearInterval(drip);
    return Buffer.concat(chunks).toString('utf8');
  });
  return { socket, answer };
}

describe('serve stops within its shutdown deadline, whatever clients and releases are in flight', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  const sockets: Socket[] = [];

  async function start(env: Record<string, string>) {
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_ADMIN_PASSWORD: PASSWORD,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      ...env,
    }).start();
    return ApiClient.login(() => serve.baseUrl, 'admin@localhost', PASSWORD);
  }

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-deadline-'));
    downstream = await new Downstream().start();
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    downstream.release();
    await serve?.stop('SIGKILL');
    await downstream.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  afterAll(() => undefined);

  it('cuts slow uploaders, keep-alive and event-stream clients at the deadline, and records releases in flight as interrupted', async () => {
    const admin = await start({
      LAZARET_SHUTDOWN_TIMEOUT_MS: String(DEADLINE_MS),
      // Longer than the test: the uploads are cut by the shutdown deadline, not by the request timeout.
      LAZARET_HTTP_REQUEST_TIMEOUT_MS: '600000',
      // The arrival of each request (HTTP_REQUEST) is logged at trace; the test waits for one.
      LAZARET_LOG_LEVEL: 'trace',
    });
    const session = admin.credentials as { cookie: string; csrfToken: string };
    for (const subject of ['single release', 'job release', 'untouched']) {
      const sent = await sendRaw(
        serve.smtpPort,
        { from: 'sender@example.org', to: ['alice@corp.test'] },
        message({ to: 'alice@corp.test', subject }),
      );
      expect(sent.ok, sent.reply).toBe(true);
    }
    const listed = (await admin.request('/api/quarantine?limit=10')).body as {
      items: { id: string; subject: string }[];
    };
    const idOf = (subject: string) => listed.items.find((item) => item.subject === subject)!.id;

    // Two releases in flight: the relay has the message and does not answer.
    downstream.hold();
    const single = admin
      .request(`/api/quarantine/${idOf('single release')}/release`, { method: 'POST' })
      .catch((error: Error) => error);
    const job = await admin.request('/api/quarantine/jobs', {
      method: 'POST',
      json: { action: 'release', ids: [idOf('job release')] },
    });
    expect(job.status, job.text).toBe(202);
    await downstream.waitForHeld(2);

    // An event-stream follower of the job.
    const jobId = (job.body as { job: { id: string } }).job.id;
    const events = request({
      host: '127.0.0.1',
      port: serve.httpPort,
      path: `/api/quarantine/jobs/${jobId}/events`,
      headers: { cookie: `lazaret_session=${session.cookie}` },
    });
    events.on('error', () => undefined);
    events.end();
    const [stream] = (await once(events, 'response')) as [IncomingMessage];
    expect(stream.headers['content-type']).toContain('text/event-stream');
    // Cut at the deadline: the reset is the expected end of the stream.
    stream.on('error', () => undefined);
    stream.resume();
    // Not once(): it rejects on the 'error' a reset brings, and a reset is how the cut may arrive.
    const streamEnded = new Promise((resolve) => stream.once('close', resolve));

    // An idle keep-alive connection, and five stalled uploads.
    const agent = new Agent({ keepAlive: true });
    const idle = request({ host: '127.0.0.1', port: serve.httpPort, path: '/healthz', agent });
    idle.on('error', () => undefined);
    idle.end();
    const [healthz] = (await once(idle, 'response')) as [IncomingMessage];
    healthz.resume();
    await once(healthz, 'end');
    const uploads = Array.from({ length: 5 }, () =>
      slowUpload(serve.httpPort, session.cookie, session.csrfToken),
    );
    sockets.push(...uploads.map((upload) => upload.socket));
    await serve.waitForLog((line) => line.event === 'HTTP_REQUEST' && line.url === '/api/quarantine/delete');

    const stopped = Date.now();
    const exitCode = await serve.stop('SIGTERM');
    const took = Date.now() - stopped;

    expect(exitCode).toBe(0);
    expect(took).toBeGreaterThanOrEqual(DEADLINE_MS - 200);
    expect(took).toBeLessThan(DEADLINE_MS + 3_000);
    expect(serve.logs.some((line) => line.event === 'SHUTDOWN_DEADLINE')).toBe(true);
    expect(serve.logs.some((line) => line.event === 'SHUTDOWN_COMPLETE')).toBe(true);
    expect(serve.logs.some((line) => line.event === 'SHUTDOWN_FORCED')).toBe(false);
    await streamEnded;
    for (const upload of uploads) await upload.answer;
    expect(await single).toBeInstanceOf(Error);
    agent.destroy();

    // Every item is in a final, consistent state: none left `releasing`, none marked released.
    const db = openSqliteDatabase(join(dataDir, 'lazaret.sqlite'));
    try {
      const items = new SqliteItemStore({ db });
      for (const subject of ['single release', 'job release']) {
        const item = await items.getItem(idOf(subject));
        expect(item, subject).toMatchObject({
          status: 'quarantined',
          lease: null,
          lastError: { code: 'interrupted' },
        });
      }
      expect(await items.getItem(idOf('untouched'))).toMatchObject({
        status: 'quarantined',
        lastError: null,
      });
    } finally {
      db.close();
    }
  });

  it('answers a client that does not finish its request within http.requestTimeoutMs with 408 request_timeout', async () => {
    const admin = await start({ LAZARET_HTTP_REQUEST_TIMEOUT_MS: '1500' });
    const session = admin.credentials as { cookie: string; csrfToken: string };
    const started = Date.now();
    const upload = slowUpload(serve.httpPort, session.cookie, session.csrfToken);
    sockets.push(upload.socket);
    const answer = await upload.answer;
    const took = Date.now() - started;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: 'request_timeout', message: expect.any(String) },
    });
    expect(took).toBeGreaterThanOrEqual(1_400);
    expect(took).toBeLessThan(4_000);
    expect((await admin.request('/healthz')).status).toBe(200);
  });
});
