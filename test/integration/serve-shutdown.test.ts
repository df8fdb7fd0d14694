import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, type IncomingMessage, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServeProcess } from '../support/serve-process.js';

const PASSWORD = 'shutdown-admin-password-1';

/** Resolves with who ended the connection: the server (its FIN or reset arrived first), or this side. */
function closedBy(socket: Socket): Promise<'server' | 'client'> {
  let by: 'server' | 'client' = 'client';
  socket.on('end', () => {
    by = 'server';
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ECONNRESET') by = 'server';
  });
  return once(socket, 'close').then(() => by);
}

function body(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  return once(response, 'end').then(() => Buffer.concat(chunks).toString('utf8'));
}

describe('serve shuts down promptly on SIGTERM with browser-style connections open', () => {
  let dataDir: string;
  let serve: ServeProcess;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-shutdown-'));
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_ADMIN_PASSWORD: PASSWORD,
      LAZARET_LOG_LEVEL: 'trace',
    }).start();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await serve?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('closes idle keep-alive and not-yet-used connections, lets a request in flight finish, and exits 0', async () => {
    // 1. A connection a browser opened ahead of time and has not used yet.
    const unused = connect(serve.httpPort, '127.0.0.1');
    sockets.push(unused);
    const unusedClosed = closedBy(unused);
    unused.resume();
    await once(unused, 'connect');

    // 2. A keep-alive connection left idle after a request. Written by hand: Node 24's http.Agent closes
    // an idle socket itself shortly before the server's Keep-Alive timeout, which would hide the server's.
    const idle = connect(serve.httpPort, '127.0.0.1');
    sockets.push(idle);
    const idleClosed = closedBy(idle);
    await once(idle, 'connect');
    idle.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    const healthz = await new Promise<string>((resolve) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        text += chunk.toString('latin1');
        const headEnd = text.indexOf('\r\n\r\n');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? Number.NaN);
        if (headEnd >= 0 && text.length - headEnd - 4 >= length) {
          idle.off('data', onData);
          idle.resume();
          resolve(text);
        }
      };
      idle.on('data', onData);
    });
    expect(healthz).toMatch(/^HTTP\/1\.1 200 /);
    expect(healthz).toMatch(/\r\nconnection: keep-alive\r\n/i);

    // 3. A request in flight: its headers are in, half of its body is still to come.
    const login = JSON.stringify({ email: 'admin@localhost', password: PASSWORD });
    const inFlight = request({
      host: '127.0.0.1',
      port: serve.httpPort,
      path: '/api/auth/login',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(login) },
      agent: new Agent({ keepAlive: true }),
    });
    const answered = once(inFlight, 'response') as Promise<[IncomingMessage]>;
    inFlight.write(login.slice(0, 10));
    await serve.waitForLog((line) => line.event === 'HTTP_REQUEST' && line.url === '/api/auth/login');

    const exited = serve.stop('SIGTERM');
    await serve.waitForLog((line) => line.event === 'SHUTDOWN_REQUESTED');
    inFlight.end(login.slice(10));
    const [response] = await answered;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(await body(response))).toMatchObject({ user: { email: 'admin@localhost' } });

    expect(await exited).toBe(0);
    expect(await unusedClosed).toBe('server');
    expect(await idleClosed).toBe('server');
    expect(serve.logs.some((line) => line.event === 'SHUTDOWN_COMPLETE')).toBe(true);
  });
});
