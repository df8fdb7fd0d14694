import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { SMTPServer } from 'smtp-server';

export interface Delivery {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
}

/** An SMTP reply the downstream gives instead of accepting. */
export interface Refusal {
  code: number;
  message: string;
}

export interface DownstreamOptions {
  /** Decide per recipient; return a refusal to reject RCPT TO. */
  onRcpt?: (address: string) => Refusal | undefined;
  /** Decide after DATA; return a refusal to reject the message. */
  onData?: (delivery: Delivery) => Refusal | undefined;
}

/**
 * A real SMTP server standing in for the mail server that released mail goes to. It records every
 * accepted delivery and can refuse recipients or messages with any reply.
 */
export class Downstream {
  readonly deliveries: Delivery[] = [];
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private server!: SMTPServer;
  port = 0;

  constructor(private readonly options: DownstreamOptions = {}) {}

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      size: 200 * 1024 * 1024,
      onRcptTo: (address, _session, callback) => {
        const refusal = this.options.onRcpt?.(address.address);
        if (refusal)
          return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
        callback();
      },
      onData: (stream, session, callback) => {
        buffer(stream).then((raw) => {
          const delivery: Delivery = {
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw,
          };
          const refusal = this.options.onData?.(delivery);
          if (refusal)
            return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
          this.deliveries.push(delivery);
          this.notify();
          callback();
        }, callback);
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (this.deliveries.length >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  /** Resolves once at least `count` deliveries have arrived. */
  waitForDeliveries(count: number): Promise<void> {
    if (this.deliveries.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
