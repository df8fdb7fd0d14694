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
  /**
   * Decide after DATA; return a refusal to reject the message. `attempt` counts the DATA attempts
   * for the same Message-ID header (1 for the first), so a test can answer 451 to the first tries.
   */
  onData?: (delivery: Delivery, attempt: number) => Refusal | undefined;
  /** Wait this long before answering DATA: a slow mail server, so that work is in flight. */
  dataDelayMs?: number;
}

/** A DATA answer held back by `hold()`: the message arrived, the sender still waits for the reply. */
interface HeldAnswer {
  answer: () => void;
}

/** The Message-ID header of a raw message, or '' when it has none. */
export function messageIdOf(raw: Buffer): string {
  return /^Message-ID:\s*(.+?)\r?$/im.exec(raw.toString('latin1'))?.[1] ?? '';
}

/**
 * A real SMTP server standing in for the mail server that released mail goes to. It records every
 * accepted delivery and can refuse recipients or messages with any reply.
 */
export class Downstream {
  readonly deliveries: Delivery[] = [];
  /** DATA attempts per Message-ID, accepted or refused. */
  readonly attempts = new Map<string, number>();
  /** Refusals given after DATA. */
  readonly refusals: (Delivery & { reply: Refusal })[] = [];
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private holding = false;
  private readonly held: HeldAnswer[] = [];
  private readonly heldWaiters: { count: number; resolve: () => void }[] = [];
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
          const key = messageIdOf(raw);
          const attempt = (this.attempts.get(key) ?? 0) + 1;
          this.attempts.set(key, attempt);
          const answer = () => {
            const refusal = this.options.onData?.(delivery, attempt);
            if (refusal) {
              this.refusals.push({ ...delivery, reply: refusal });
              return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
            }
            this.deliveries.push(delivery);
            this.notify();
            callback();
          };
          if (this.holding) {
            this.held.push({ answer });
            for (const waiter of this.heldWaiters.filter((each) => this.held.length >= each.count)) {
              this.heldWaiters.splice(this.heldWaiters.indexOf(waiter), 1);
              waiter.resolve();
            }
          } else if (this.options.dataDelayMs) setTimeout(answer, this.options.dataDelayMs);
          else answer();
        }, callback);
      },
    });
    // A sender that dies mid-transaction (the SIGKILL test) resets its connection; that is expected.
    this.server.on('error', () => undefined);
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

  /**
   * From now on, received messages get no answer until `release()`: their senders wait in DATA, so
   * the work they stand for is certainly in flight (e.g. at a SIGKILL).
   */
  hold(): void {
    this.holding = true;
  }

  /** Resolves once at least `count` messages wait for their answer under `hold()`. */
  waitForHeld(count: number): Promise<void> {
    if (this.held.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.heldWaiters.push({ count, resolve }));
  }

  /** Ends `hold()`: answers the held messages (their senders may be gone) and answers normally again. */
  release(): void {
    this.holding = false;
    for (const each of this.held.splice(0)) each.answer();
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
