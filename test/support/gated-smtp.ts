import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface GatedDelivery {
  from: string;
  to: string[];
  raw: Buffer;
}

/**
 * A real SMTP server whose answer to each message can be held back: `hold()` makes the next
 * messages wait after their data arrived, until `release()` — the moment a sender could die with
 * its mail delivered but unacknowledged. `refuseNext` answers messages with an error reply instead.
 */
export class GatedSmtp {
  /** Messages whose data arrived completely (whether or not they were answered yet). */
  readonly arrived: GatedDelivery[] = [];
  /** Messages answered 250. */
  readonly accepted: GatedDelivery[] = [];
  refuseNext: { code: number; text: string; count: number } | null = null;
  private gate: { promise: Promise<void>; open: () => void } | null = null;
  private readonly arrivalWaiters: { count: number; resolve: () => void }[] = [];
  private server!: SMTPServer;
  port = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', async () => {
          const delivery = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: Buffer.concat(chunks),
          };
          if (this.refuseNext && this.refuseNext.count > 0) {
            this.refuseNext.count -= 1;
            const { code, text } = this.refuseNext;
            callback(Object.assign(new Error(text), { responseCode: code }));
            return;
          }
          this.arrived.push(delivery);
          for (const waiter of [...this.arrivalWaiters]) {
            if (this.arrived.length >= waiter.count) {
              this.arrivalWaiters.splice(this.arrivalWaiters.indexOf(waiter), 1);
              waiter.resolve();
            }
          }
          await this.gate?.promise;
          this.accepted.push(delivery);
          callback(null, 'queued');
        });
      },
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server.server, 'listening');
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** From now on, answers wait until release(). */
  hold(): void {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    this.gate = { promise, open };
  }

  release(): void {
    this.gate?.open();
    this.gate = null;
  }

  /** Resolves once at least `count` messages have arrived in full. */
  waitForArrivals(count: number): Promise<void> {
    if (this.arrived.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.arrivalWaiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    this.release();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
