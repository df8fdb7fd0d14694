import SMTPConnection, { type SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import { Limiter } from '../core/limiter.js';

/** Thrown by `acquire` once the pool is closed. */
export class RelayPoolClosed extends Error {
  constructor() {
    super('Connection pool to the relay was closed');
  }
}

/** Thrown by `acquire` when its signal aborts before a connection was handed over. */
export class RelayAborted extends Error {
  constructor() {
    super('Delivery aborted before it was sent');
  }
}

/**
 * Opens a connection and logs in. Rejects on the first of: the connect or login callback's error, an
 * 'error' event, or the connection ending before it was ready (as `close()` on it does).
 */
export function openConnection(
  options: SMTPConnectionOptions,
  auth: { user: string; pass: string } | undefined,
): Promise<SMTPConnection> {
  const connection = new SMTPConnection(options);
  // Failures reach the caller through the callbacks; an 'error' event without a listener would throw.
  connection.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      connection.off('end', onEnd);
      connection.off('error', settle);
      if (error) {
        connection.close();
        reject(error);
      } else resolve(connection);
    };
    const onEnd = () => settle(new Error('Connection closed before the relay was ready'));
    connection.once('end', onEnd);
    connection.once('error', settle);
    connection.connect((error) => {
      if (error || !auth || !connection.allowsAuth) return settle(error ?? undefined);
      connection.login({ credentials: { user: auth.user, pass: auth.pass } }, (loginError) =>
        settle(loginError ?? undefined),
      );
    });
  });
}

/**
 * Up to `size` logged-in SMTP connections to one relay, handed out one delivery at a time and kept
 * open between deliveries. A caller gets an idle connection, a new one while the pool is below its
 * size, or waits for the next one given back.
 */
export class RelayPool {
  private readonly idle: SMTPConnection[] = [];
  private readonly busy = new Set<SMTPConnection>();
  /**
   * One unit per connection handed out or being opened. Idle connections hold none: a caller takes an
   * idle one before it opens another, so the pool never holds more than `size` connections.
   */
  private readonly slots: Limiter;
  private closed = false;

  constructor(
    size: number,
    private readonly open: () => Promise<SMTPConnection>,
  ) {
    this.slots = new Limiter(size);
  }

  /** A connection for one delivery; give it back with `release` or `discard`. */
  async acquire(signal?: AbortSignal): Promise<SMTPConnection> {
    const refused = this.refusal(signal);
    if (refused) throw refused;
    await this.slots.acquire();
    // The pool may have closed, or the delivery been given up, while it waited.
    const refusedAfterWait = this.refusal(signal);
    if (refusedAfterWait) {
      this.slots.release();
      throw refusedAfterWait;
    }
    const idle = this.idle.pop();
    if (idle) {
      this.busy.add(idle);
      return idle;
    }
    return this.openOne();
  }

  /** Gives back a connection that finished its delivery and can carry the next. */
  release(connection: SMTPConnection): void {
    if (!this.busy.delete(connection)) return;
    if (this.closed || connection.destroyed) connection.close();
    else this.idle.push(connection);
    this.slots.release();
  }

  /** Closes a connection whose session can no longer be trusted and frees its place. */
  discard(connection: SMTPConnection): void {
    connection.close();
    if (this.busy.delete(connection)) this.slots.release();
  }

  /**
   * Closes idle connections now and busy ones as they are given back — or now with `force`. Callers
   * waiting for a connection are refused as the busy ones come back.
   */
  close(force: boolean): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.close();
    if (force) for (const connection of this.busy) connection.close();
  }

  private refusal(signal: AbortSignal | undefined): Error | undefined {
    if (this.closed) return new RelayPoolClosed();
    if (signal?.aborted) return new RelayAborted();
    return undefined;
  }

  private async openOne(): Promise<SMTPConnection> {
    let connection: SMTPConnection;
    try {
      connection = await this.open();
    } catch (error) {
      this.slots.release();
      throw error;
    }
    if (this.closed) {
      connection.close();
      this.slots.release();
      throw new RelayPoolClosed();
    }
    // A server ending an idle session (its timeout) ends the connection: it leaves the pool.
    connection.once('end', () => {
      const index = this.idle.indexOf(connection);
      if (index >= 0) this.idle.splice(index, 1);
    });
    this.busy.add(connection);
    return connection;
  }
}
