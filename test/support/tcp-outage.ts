import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';

export interface OutageProxy {
  /** Where clients connect instead of the service. */
  endpoint: string;
  /** Starts an outage: the port stops listening and open connections are cut. */
  cut(): Promise<void>;
  /** Ends the outage: the same port listens again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP relay on loopback in front of a service (dynalite, which loses its tables when it is itself
 * stopped): cutting it is, for the client, the service going away and coming back on the same address.
 */
export async function startOutageProxy(target: URL): Promise<OutageProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cut,
    restore: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: () => (server.listening ? cut() : Promise.resolve()),
  };
}
