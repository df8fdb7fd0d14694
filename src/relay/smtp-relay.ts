import { PassThrough, type Readable } from 'node:stream';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SMTPConnectionOptions, SMTPConnectionSendInfo } from 'nodemailer/lib/smtp-connection';
import type { Config } from '../config/load-config.js';
import { openConnection, RelayPool } from './relay-pool.js';

export interface DeliveryRequest {
  /** Envelope sender; '' for the null sender. */
  from: string;
  to: string[];
  raw: Readable;
  /** Aborting it closes the connection delivering the message; the result is then a failure without reply. */
  signal?: AbortSignal | undefined;
}

export interface RecipientRefusal {
  recipient: string;
  responseCode: number;
  /** The exact reply line from the downstream server. */
  reply: string;
}

export type DeliveryResult =
  /** The downstream accepted the message for `accepted`; `refused` lists the recipients it did not take. */
  | { kind: 'accepted'; reply: string; accepted: string[]; refused: RecipientRefusal[] }
  /** Nothing was accepted. `temporary` for 4xx replies and network failures, false for 5xx. */
  | {
      kind: 'failed';
      temporary: boolean;
      responseCode: number | null;
      reply: string;
      refused: RecipientRefusal[];
    };

interface SmtpFailure extends Error {
  code?: string | undefined;
  responseCode?: number | undefined;
  response?: string | undefined;
  rejectedErrors?: SmtpFailure[] | undefined;
  recipient?: string | undefined;
}

function refusalsOf(errors: SmtpFailure[] | undefined): RecipientRefusal[] {
  return (errors ?? []).map((error) => ({
    recipient: error.recipient ?? '',
    responseCode: error.responseCode ?? 0,
    reply: error.response ?? error.message,
  }));
}

/**
 * `setup` for a failure to open a connection: no verdict on the message, so temporary and without
 * a code (a relay without the STARTTLS it must offer answers 500 to it) — but a refused login keeps
 * the server's code, as a credential the relay refuses will not work on the next attempt either.
 */
function failure(error: SmtpFailure, setup = false): DeliveryResult {
  const connectionFailure = setup && error.code !== 'EAUTH';
  const responseCode = connectionFailure ? null : (error.responseCode ?? null);
  const reply =
    connectionFailure && error.response
      ? `${error.message}: ${error.response}`
      : (error.response ?? error.message);
  return {
    kind: 'failed',
    temporary: responseCode === null || responseCode < 500,
    responseCode,
    reply,
    refused: refusalsOf(error.rejectedErrors),
  };
}

type SendOutcome = { info: SMTPConnectionSendInfo } | { error: SmtpFailure; sessionIntact: boolean };

/**
 * One SMTP transaction on `connection`. Settles once: with the server's answer, or with a failure when
 * `signal` aborts (the connection is closed) or the connection ends without an answer (a forced close).
 * `sessionIntact` says whether the connection can carry another transaction after an RSET.
 */
function transaction(
  connection: SMTPConnection,
  request: DeliveryRequest,
  body: Readable,
): Promise<SendOutcome> {
  const { signal } = request;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      connection.off('end', onEnd);
      resolve(outcome);
    };
    const onAbort = () => {
      connection.close();
      settle({ error: new Error('Delivery aborted'), sessionIntact: false });
    };
    // A failing connection ends before send's callback gets the error: let the callback speak first.
    const onEnd = () =>
      setImmediate(() =>
        settle({
          error: new Error('Connection to the relay closed without an answer'),
          sessionIntact: false,
        }),
      );
    signal?.addEventListener('abort', onAbort, { once: true });
    connection.once('end', onEnd);
    connection.send({ from: request.from, to: request.to }, body, (error, info) => {
      if (!error) return settle({ info });
      const failed = error as SmtpFailure;
      const refusedByServer = failed.code === 'EENVELOPE' || failed.code === 'EMESSAGE';
      settle({
        error: failed,
        sessionIntact: refusedByServer && failed.responseCode !== 421 && !connection.destroyed,
      });
    });
  });
}

/**
 * A connection idle this long may have been closed by the server (its idle timeout) just as it is
 * used again; its next message is sent through `deferredBody`, so that it can go out once more.
 * Not every message: the extra stream costs a busy release a third of its rate.
 */
const MAY_BE_STALE_AFTER_MS = 1_000;

/**
 * The message as the connection sees it: `raw` starts to flow only when the connection pipes it, once
 * the server accepted DATA. A connection that fails before that destroys this stand-in, not `raw`.
 */
function deferredBody(raw: Readable): Readable {
  const body = new PassThrough();
  // From the start: the connection listens on the stand-in only, and `raw` may fail before DATA.
  raw.once('error', (error) => body.destroy(error));
  const pipe = body.pipe.bind(body);
  body.pipe = <T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T => {
    raw.pipe(body);
    return pipe(destination, options);
  };
  return body;
}

/**
 * Delivers released mail to the configured downstream server over a pool of SMTP connections:
 * nodemailer's SMTPConnection (which pipelines the envelope where the server offers PIPELINING),
 * handed the stored bytes as they are — no message composition per delivery.
 */
export class SmtpRelay {
  private readonly pool: RelayPool;
  private readonly connect: () => Promise<SMTPConnection>;
  /** When each connection last finished a transaction. */
  private readonly lastUsed = new WeakMap<SMTPConnection, number>();
  private readonly now: () => number;

  constructor(config: Config['relay'], clock: { now?: () => number } = {}) {
    this.now = clock.now ?? Date.now;
    const options: SMTPConnectionOptions = {
      host: config.host,
      port: config.port,
      secure: config.tls === 'implicit',
      requireTLS: config.tls === 'starttls',
      ignoreTLS: config.tls === 'none',
      tls: { rejectUnauthorized: config.tlsVerify },
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
    };
    const auth = config.user ? { user: config.user, pass: config.password ?? '' } : undefined;
    this.connect = () => openConnection(options, auth);
    this.pool = new RelayPool(config.maxConnections, this.connect);
  }

  /** Sends the raw bytes unchanged in one SMTP transaction. Never throws: failures are results. */
  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    // The stored message can fail while the delivery waits for a connection, before the connection
    // listens on it: an 'error' nobody listens to would end the process.
    let unreadable: Error | undefined;
    request.raw.on('error', (error) => {
      unreadable ??= error;
    });
    return this.attempt(request, true, () => unreadable);
  }

  private async attempt(
    request: DeliveryRequest,
    mayRetry: boolean,
    unreadable: () => Error | undefined,
  ): Promise<DeliveryResult> {
    let connection: SMTPConnection;
    try {
      connection = await this.pool.acquire(request.signal);
    } catch (error) {
      request.raw.destroy();
      return failure(error as SmtpFailure, true);
    }
    if (request.raw.destroyed) {
      this.pool.release(connection);
      return failure(unreadable() ?? new Error('The message stream was closed before it was sent'));
    }
    const lastUsed = this.lastUsed.get(connection);
    const deferred = mayRetry && lastUsed !== undefined && this.now() - lastUsed >= MAY_BE_STALE_AFTER_MS;
    const outcome = await transaction(
      connection,
      request,
      deferred ? deferredBody(request.raw) : request.raw,
    );
    this.lastUsed.set(connection, this.now());
    const noReply = 'error' in outcome && outcome.error.responseCode === undefined;
    if (deferred && noReply && !request.raw.readableDidRead && !request.signal?.aborted) {
      // A connection idle for a while failed before any of the message was sent, without a reply: most
      // likely the server had just closed it. The message goes out once more on another connection.
      this.pool.discard(connection);
      return this.attempt(request, false, unreadable);
    }
    if ('info' in outcome) {
      this.pool.release(connection);
      const { info } = outcome;
      return {
        kind: 'accepted',
        reply: info.response,
        accepted: info.accepted.map(String),
        refused: refusalsOf(info.rejectedErrors),
      };
    }
    request.raw.destroy();
    // The reset is awaited so that the next delivery finds the connection idle instead of opening one.
    if (outcome.sessionIntact)
      await new Promise<void>((resolve) =>
        connection.reset((error) => {
          if (error) this.pool.discard(connection);
          else this.pool.release(connection);
          resolve();
        }),
      );
    else this.pool.discard(connection);
    return failure(outcome.error);
  }

  /** Checks that the relay answers an SMTP greeting (and accepts the login, when one is configured). */
  async verify(): Promise<void> {
    const connection = await this.connect();
    connection.quit();
  }

  /** Closes the pool: idle connections at once, busy ones after their delivery — or now with `force`. */
  close(force = false): void {
    this.pool.close(force);
  }
}
