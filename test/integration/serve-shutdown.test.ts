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
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });

    // 1. A connection a browser opened ahead of time and has not used yet.
    const unused = connect(serve.httpPort, '127.0.0.1');
    sockets.push(unused);
    const unusedClosed = closedBy(unused);
    unused.resume();
    await once(unused, 'connect');

    // 2. A keep-alive connection left idle after a request.
    const idleRequest = request({ host: '127.0.0.1', port: serve.httpPort, path: '/healthz', agent });
    const idleSocket = once(idleRequest, 'socket').then(([socket]) => socket as Socket);
    idleRequest.end();
    const [healthz] = (await once(idleRequest, 'response')) as [IncomingMessage];
    await body(healthz);
    expect(healthz.headers.connection).toBe('keep-alive');
    const idle = await idleSocket;
    sockets.push(idle);
    const idleClosed = closedBy(idle);

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
    agent.destroy();
  });
});
