import type { Readable } from 'node:stream';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Config } from '../config/load-config.js';

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
  responseCode?: number;
  response?: string;
  rejectedErrors?: SmtpFailure[];
  recipient?: string;
}

function refusalsOf(errors: SmtpFailure[] | undefined): RecipientRefusal[] {
  return (errors ?? []).map((error) => ({
    recipient: error.recipient ?? '',
    responseCode: error.responseCode ?? 0,
    reply: error.response ?? error.message,
  }));
}

/** Delivers released mail to the configured downstream server over a pool of SMTP connections. */
export class SmtpRelay {
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;

  constructor(config: Config['relay']) {
    const options: SMTPPool.Options = {
      pool: true,
      host: config.host,
      port: config.port,
      secure: config.tls === 'implicit',
      requireTLS: config.tls === 'starttls',
      ignoreTLS: config.tls === 'none',
      tls: { rejectUnauthorized: config.tlsVerify },
      maxConnections: config.maxConnections,
      // nodemailer closes pooled connections after 100 messages unless told otherwise.
      maxMessages: Number.POSITIVE_INFINITY,
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
      ...(config.user ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
    };
    this.transport = nodemailer.createTransport(options);
  }

  /** Sends the raw bytes unchanged in one SMTP transaction. Never throws: failures are results. */
  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    try {
      // nodemailer takes `signal` (since 10.5.0); its typings do not list it yet.
      const options: Parameters<typeof this.transport.sendMail>[0] & { signal?: AbortSignal } = {
        envelope: { from: request.from, to: request.to },
        raw: request.raw,
        ...(request.signal ? { signal: request.signal } : {}),
      };
      const info = await this.transport.sendMail(options);
      const refused = refusalsOf((info as unknown as { rejectedErrors?: SmtpFailure[] }).rejectedErrors);
      return {
        kind: 'accepted',
        reply: info.response,
        accepted: (info.accepted as string[]).map(String),
        refused,
      };
    } catch (caught) {
      request.raw.destroy();
      const error = caught as SmtpFailure;
      const responseCode = error.responseCode ?? null;
      return {
        kind: 'failed',
        temporary: responseCode === null || responseCode < 500,
        responseCode,
        reply: error.response ?? error.message,
        refused: refusalsOf(error.rejectedErrors),
      };
    }
  }

  /** Checks that the relay answers an SMTP greeting. */
  async verify(): Promise<void> {
    await this.transport.verify();
  }

  /** Closes the pool: idle connections at once, busy ones after their delivery — or now with `force`. */
  close(force = false): void {
    (this.transport.close as (options?: { force?: boolean }) => void).call(this.transport, { force });
  }
}
