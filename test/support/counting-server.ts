import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * Stands in for a sender's tracking server: answers anything (a 1×1 GIF, or CSS for .css) and
 * records every request, so a test can prove that a preview fetched nothing.
 */
export class CountingServer {
  readonly requests: { method: string; url: string }[] = [];
  private server!: Server;
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      this.requests.push({ method: request.method ?? 'GET', url: request.url ?? '/' });
      for (const waiter of [...this.waiters]) {
        if (this.requests.length >= waiter.count) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      if ((request.url ?? '').includes('.css')) {
        response
          .writeHead(200, { 'content-type': 'text/css' })
          .end(`body { background-image: url(${this.origin}/from-css.gif) }`);
        return;
      }
      response.writeHead(200, { 'content-type': 'image/gif', 'content-length': GIF.length }).end(GIF);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Resolves once at least `count` requests have arrived. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
