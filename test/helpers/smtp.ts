import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface SendOutcome {
  ok: boolean;
  code: number | null;
  /** The server's final reply line. */
  reply: string;
}

/** Sends raw bytes over one fresh SMTP connection and reports the server's reply, success or not. */
export async function sendRaw(
  port: number,
  envelope: { from: string; to: string[] },
  raw: Buffer | string,
  host = '127.0.0.1',
): Promise<SendOutcome> {
  const transport = nodemailer.createTransport({
    host,
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 10_000,
    socketTimeout: 60_000,
  });
  try {
    const info = await transport.sendMail({ envelope, raw });
    return { ok: true, code: Number(info.response.slice(0, 3)), reply: info.response };
  } catch (caught) {
    const error = caught as { responseCode?: number; response?: string; message: string };
    return { ok: false, code: error.responseCode ?? null, reply: error.response ?? error.message };
  } finally {
    transport.close();
  }
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface Downstream {
  port: number;
  received: ReceivedMail[];
  /** Replaces how RCPT TO and DATA are answered (null: accept). */
  refuse: { rcpt?: { code: number; text: string } | null; data?: { code: number; text: string } | null };
  close(): Promise<void>;
}

/** A real smtp-server that records what it is sent: stands in for Postfix's re-injection listener. */
export async function startDownstream(options: Partial<SMTPServerOptions> = {}): Promise<Downstream> {
  const received: ReceivedMail[] = [];
  const refuse: Downstream['refuse'] = {};
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refuse.rcpt) {
        callback(Object.assign(new Error(refuse.rcpt.text), { responseCode: refuse.rcpt.code }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refuse.data) {
          callback(Object.assign(new Error(refuse.data.text), { responseCode: refuse.data.code }));
          return;
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks),
        });
        callback(null, 'queued downstream');
      });
    },
    ...options,
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    refuse,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
