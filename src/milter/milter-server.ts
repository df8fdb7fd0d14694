import { chmod, lstat, unlink } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { MilterSession, type MilterSessionOptions } from './milter-session.js';

/** Where the milter listens: a TCP port (Postfix `inet:host:port`) or a unix socket (`unix:/path`). */
export type MilterListen = { host: string; port: number } | { path: string; mode?: number };

/** `inet:host:port` or `unix:/path` (Postfix's notation, as in `smtpd_milters`); `inet:[::1]:port` too. */
export function parseMilterListen(spec: string): MilterListen {
  if (spec.startsWith('unix:')) return { path: spec.slice('unix:'.length) };
  const inet = /^inet:\[?([^\]]+?)\]?:(\d{1,5})$/.exec(spec);
  const port = Number(inet?.[2]);
  if (!inet || port > 65_535) throw new Error(`${spec} is not inet:host:port or unix:/path`);
  return { host: inet[1]!, port };
}

export interface MilterServer {
  /** The bound TCP address, or the socket path. */
  address(): AddressInfo | string;
  /** Stops accepting; each session ends after the decision it is sending, if any. */
  close(): Promise<void>;
}

/** A stale socket file from an earlier run would make listen() fail with EADDRINUSE. */
async function removeStaleSocket(path: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (!existing) return;
  if (!existing.isSocket()) throw new Error(`${path} exists and is not a socket`);
  await unlink(path);
}

/** Starts a milter listener; every connection is a MilterSession with `options`. */
export async function startMilterServer(
  listen: MilterListen,
  options: MilterSessionOptions,
): Promise<MilterServer> {
  const sessions = new Set<MilterSession>();
  const server: Server = createServer((socket: Socket) => {
    const session = new MilterSession(socket, options);
    sessions.add(session);
    void session.closed.then(() => sessions.delete(session));
  });
  if ('path' in listen) await removeStaleSocket(listen.path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in listen) server.listen(listen.path, resolve);
    else server.listen(listen.port, listen.host, resolve);
  });
  // The MTA's processes (Postfix's smtpd runs as `postfix`) must be able to connect.
  if ('path' in listen) await chmod(listen.path, listen.mode ?? 0o660);
  server.on('error', (error) => options.logger?.error({ event: 'MILTER_LISTENER_FAILED', err: error }));
  return {
    address() {
      const address = server.address();
      if (address === null) throw new Error('the milter listener is closed');
      return address;
    },
    async close() {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...sessions].map((session) => session.close()));
      await stopped;
    },
  };
}
