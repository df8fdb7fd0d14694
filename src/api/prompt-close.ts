import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { LazaretError } from '../core/errors.js';

/**
 * Makes `app.close()` end promptly while letting requests in flight finish; requests that arrive
 * after it began answer `shutting_down`.
 *
 * Node's `server.close()` closes the keep-alive connections that are idle at that moment, but not
 * (before nodejs/node#63470) connections that have not sent a request yet — browsers open such
 * connections speculatively and keep them for minutes — and not connections whose response ends
 * after it was called, which then wait out the keep-alive timeout. Both would hold `serve` open.
 *
 * `app.close()` also waits for every route handler still running — also one whose connection was cut
 * at the shutdown deadline (`cutConnections`) — so that a release it started is recorded before the
 * stores close.
 */
export function closeConnectionsPromptly(app: FastifyInstance): void {
  const server = app.server;
  const withoutRequest = new Set<Socket>();
  let closing = false;
  // HTTPS hands its requests the TLS socket, which exists once the handshake is done.
  const connectionEvent = server instanceof TlsServer ? 'secureConnection' : 'connection';

  server.on(connectionEvent, (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    withoutRequest.add(socket);
    socket.once('close', () => withoutRequest.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    withoutRequest.delete(request.socket);
    response.once('finish', () => {
      // The socket turns idle once the response is handed off; close it then.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  // A request that arrives on a kept-alive connection while closing is refused (Fastify adds
  // `Connection: close`); registered before authentication, so it is refused before any work.
  app.addHook('onRequest', async () => {
    if (closing) throw new LazaretError('shutting_down', 'The server is stopping; try again shortly.');
  });
  const handlers = new Set<Promise<unknown>>();
  app.addHook('onRoute', (route) => {
    const handler = route.handler as (...args: unknown[]) => unknown;
    route.handler = function tracked(this: unknown, ...args: unknown[]) {
      const result = handler.apply(this, args);
      if (result instanceof Promise) {
        handlers.add(result);
        result.then(
          () => handlers.delete(result),
          () => handlers.delete(result),
        );
      }
      return result;
    } as RouteHandlerMethod;
  });
  app.addHook('onClose', async () => {
    await Promise.allSettled([...handlers]);
  });
  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of withoutRequest) socket.destroy();
    withoutRequest.clear();
  });
}

/** At the shutdown deadline: ends every connection now (slow uploads, event streams, answers in progress). */
export function cutConnections(app: FastifyInstance): void {
  app.server.closeAllConnections();
}
