import SMTPConnection, { type SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';

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
  private opening = 0;
  private readonly waiting = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly open: () => Promise<SMTPConnection>,
  ) {}

  /** A connection for one delivery; give it back with `release` or `discard`. */
  async acquire(signal?: AbortSignal): Promise<SMTPConnection> {
    for (;;) {
      if (this.closed) throw new RelayPoolClosed();
      if (signal?.aborted) throw new RelayAborted();
      const idle = this.idle.pop();
      if (idle) {
        this.busy.add(idle);
        return idle;
      }
      if (this.idle.length + this.busy.size + this.opening < this.size) return this.openOne();
      await this.nextFreed(signal);
    }
  }

  /** Gives back a connection that finished its delivery and can carry the next. */
  release(connection: SMTPConnection): void {
    if (!this.busy.delete(connection)) return;
    if (this.closed || connection.destroyed) connection.close();
    else this.idle.push(connection);
    this.wakeOne();
  }

  /** Closes a connection whose session can no longer be trusted and frees its place. */
  discard(connection: SMTPConnection): void {
    this.busy.delete(connection);
    connection.close();
    this.wakeOne();
  }

  /** Closes idle connections now and busy ones as they are given back — or now with `force`. */
  close(force: boolean): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.close();
    if (force) for (const connection of this.busy) connection.close();
    for (const wake of [...this.waiting]) wake();
  }

  private async openOne(): Promise<SMTPConnection> {
    this.opening += 1;
    let connection: SMTPConnection;
    try {
      connection = await this.open();
    } catch (error) {
      this.wakeOne();
      throw error;
    } finally {
      this.opening -= 1;
    }
    if (this.closed) {
      connection.close();
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

  private nextFreed(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.waiting.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.waiting.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  private wakeOne(): void {
    const [first] = this.waiting;
    first?.();
  }
}
