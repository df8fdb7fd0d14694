import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface Delivery {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
}

/** An SMTP reply the downstream gives instead of accepting: 4xx defers, 5xx refuses. */
export interface Refusal {
  code: number;
  message: string;
}

/** Decides RCPT TO per recipient; a refusal rejects that recipient, undefined accepts it. */
export type RcptDecision = (address: string) => Refusal | undefined;

/**
 * Decides a message once its data arrived; a refusal rejects it, undefined accepts it. `attempt`
 * counts the DATA attempts for the same Message-ID header (1 for the first), so a test can answer 451
 * to the first tries.
 */
export type DataDecision = (delivery: Delivery, attempt: number) => Refusal | undefined;

export interface DownstreamOptions {
  onRcpt?: RcptDecision;
  onData?: DataDecision;
  /** Wait this long before answering DATA: a slow mail server, so that work is in flight. */
  dataDelayMs?: number;
  /**
   * smtp-server options over the defaults (no AUTH, no STARTTLS, 200 MB size limit): e.g. `key`,
   * `cert`, `onAuth` and `disabledCommands: []` for a smarthost with TLS and AUTH, `size: 0` to
   * announce no limit, `hideENHANCEDSTATUSCODES: false`.
   */
  server?: Partial<SMTPServerOptions>;
}

interface CountWaiter {
  count: number;
  resolve: () => void;
}

/** The Message-ID header of a raw message, or '' when it has none. */
export function messageIdOf(raw: Buffer): string {
  return /^Message-ID:\s*(.+?)\r?$/im.exec(raw.toString('latin1'))?.[1] ?? '';
}

/** A decision that gives `refusal` to the next `count` calls, then accepts. */
export function refuseNext<Args extends unknown[]>(
  count: number,
  refusal: Refusal,
): (...args: Args) => Refusal | undefined {
  let left = count;
  return () => {
    if (left <= 0) return undefined;
    left -= 1;
    return refusal;
  };
}

/**
 * The one fake mail server of the tests: a real smtp-server standing in for wherever Lazaret sends
 * mail (the relay that releases and digests go to, Postfix's re-injection listener). It accepts,
 * defers or refuses per recipient (`onRcpt`) or per message (`onData`) — both can be swapped while it
 * runs — records what arrives and what it accepted, counts attempts per Message-ID, and can hold its
 * answers (`hold()` … `release()`) so that a sender waits mid-transaction.
 */
export class Downstream {
  /** Messages answered 250, in order. */
  readonly deliveries: Delivery[] = [];
  /** Messages whose data arrived and that were not refused, answered yet or still held. */
  readonly arrived: Delivery[] = [];
  /** DATA attempts per Message-ID, accepted or refused. */
  readonly attempts = new Map<string, number>();
  /** Refusals given after DATA. */
  readonly refusals: (Delivery & { reply: Refusal })[] = [];
  onRcpt: RcptDecision | undefined;
  onData: DataDecision | undefined;
  private readonly deliveryWaiters: CountWaiter[] = [];
  private readonly arrivalWaiters: CountWaiter[] = [];
  private readonly heldWaiters: CountWaiter[] = [];
  private holding = false;
  private readonly held: (() => void)[] = [];
  private server!: SMTPServer;
  port = 0;

  constructor(private readonly options: DownstreamOptions = {}) {
    this.onRcpt = options.onRcpt;
    this.onData = options.onData;
  }

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      size: 200 * 1024 * 1024,
      onRcptTo: (address, _session, callback) => {
        const refusal = this.onRcpt?.(address.address);
        if (refusal) return callback(refusalError(refusal));
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
          const refusal = this.onData?.(delivery, attempt);
          if (refusal) {
            this.refusals.push({ ...delivery, reply: refusal });
            return callback(refusalError(refusal));
          }
          this.arrived.push(delivery);
          settle(this.arrivalWaiters, this.arrived.length);
          const answer = () => {
            this.deliveries.push(delivery);
            settle(this.deliveryWaiters, this.deliveries.length);
            callback();
          };
          if (this.holding) {
            this.held.push(answer);
            settle(this.heldWaiters, this.held.length);
          } else if (this.options.dataDelayMs) setTimeout(answer, this.options.dataDelayMs);
          else answer();
        }, callback);
      },
      ...this.options.server,
    });
    // A sender that dies mid-transaction (the SIGKILL tests) resets its connection; that is expected.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** Resolves once at least `count` messages have been answered 250. */
  waitForDeliveries(count: number): Promise<void> {
    return waitFor(this.deliveryWaiters, this.deliveries.length, count);
  }

  /** Resolves once at least `count` messages have arrived in full (held or answered). */
  waitForArrivals(count: number): Promise<void> {
    return waitFor(this.arrivalWaiters, this.arrived.length, count);
  }

  /**
   * From now on, accepted messages get no answer until `release()`: their senders wait in DATA, so
   * the work they stand for is certainly in flight (e.g. at a SIGKILL).
   */
  hold(): void {
    this.holding = true;
  }

  /** Resolves once at least `count` messages wait for their answer under `hold()`. */
  waitForHeld(count: number): Promise<void> {
    return waitFor(this.heldWaiters, this.held.length, count);
  }

  /** Ends `hold()`: answers the held messages (their senders may be gone) and answers at once again. */
  release(): void {
    this.holding = false;
    for (const answer of this.held.splice(0)) answer();
  }

  async stop(): Promise<void> {
    this.release();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function refusalError(refusal: Refusal): Error {
  return Object.assign(new Error(refusal.message), { responseCode: refusal.code });
}

function waitFor(waiters: CountWaiter[], have: number, count: number): Promise<void> {
  if (have >= count) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ count, resolve }));
}

function settle(waiters: CountWaiter[], have: number): void {
  for (const waiter of waiters.filter((each) => have >= each.count)) {
    waiters.splice(waiters.indexOf(waiter), 1);
    waiter.resolve();
  }
}
