import nodemailer from 'nodemailer';

/* The sending side of SMTP in tests: Lazaret's listener as a peer sees it. The receiving side is `downstream.ts`. */

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
  name?: string,
): Promise<SendOutcome> {
  const transport = nodemailer.createTransport({
    host,
    ...(name ? { name } : {}),
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

export interface RawSmtpOutcome {
  /** Final reply to the message (after DATA), or the first refusal before it. */
  code: number;
  reply: string;
  /** What the server received as message content: the bytes dot-stuffed on the wire, unstuffed. */
  sent: Buffer;
}

/**
 * Sends `content` exactly as given over a hand-driven SMTP session: only SMTP's own transparency is
 * applied (a dot at the start of a line doubled, and a CRLF added before the final dot if the content does
 * not end with one). Bare LF, bare CR and NUL bytes go through untouched, unlike with a mail library.
 */
export async function sendExact(
  port: number,
  envelope: { from: string; to: string[] },
  content: Buffer,
  timeoutMs = 60_000,
): Promise<RawSmtpOutcome> {
  const { connect } = await import('node:net');
  const sent =
    content.subarray(-2).toString('latin1') === '\r\n'
      ? content
      : Buffer.concat([content, Buffer.from('\r\n')]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no SMTP reply within ${timeoutMs} ms`)));
    let buffer = '';
    const steps: (() => void)[] = [
      () => socket.write('EHLO hostile.test\r\n'),
      () => socket.write(`MAIL FROM:<${envelope.from}>\r\n`),
      ...envelope.to.map((to) => () => socket.write(`RCPT TO:<${to}>\r\n`)),
      () => socket.write('DATA\r\n'),
      () => {
        // Dot-stuffing: a dot at the start of a line is doubled; like smtp-server (and Postfix), a bare LF ends a line too.
        const stuffed = Buffer.from(sent.toString('latin1').replace(/(^|\n)\./g, '$1..'), 'latin1');
        socket.write(stuffed);
        socket.write('.\r\n');
      },
    ];
    let step = 0;
    const finish = (code: number, reply: string) => {
      socket.end('QUIT\r\n');
      resolve({ code, reply, sent });
    };
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        // A reply is complete at a line "NNN text" (no dash after the code).
        const match = /^(\d{3}) [^\r\n]*\r\n/m.exec(buffer);
        if (!match) return;
        const code = Number(match[1]);
        const reply = buffer.slice(0, match.index + match[0].length).trim();
        buffer = buffer.slice(match.index + match[0].length);
        const expectingData = step === steps.length; // reply to the message itself
        const okay = code < 400 && !(step === steps.length - 1 && code !== 354);
        if (expectingData || !okay) {
          finish(code, reply);
          return;
        }
        steps[step]!();
        step += 1;
      }
    });
  });
}

/** Line ends as SMTP requires them on the wire (RFC 5321 2.3.8): bare CR and bare LF become CRLF. */
export function canonicalLineEnds(content: Buffer): Buffer {
  return Buffer.from(content.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}

export interface SmtpDialogue {
  /** The greeting, as received (one line, without CRLF). */
  greeting: string;
  /** Sends one command (or, after DATA, the content with its final dot) and answers the complete reply. */
  say(line: string): Promise<string>;
  /** Waits for the next reply the server sends by itself (e.g. 421 on shutdown). */
  next(): Promise<string>;
  close(): void;
}

/**
 * A hand-driven SMTP session that answers each reply exactly as the server sent it (all lines of a
 * multi-line reply, joined with CRLF, without the last CRLF): for tests of exact reply lines.
 */
export async function smtpDialogue(port: number, host = '127.0.0.1'): Promise<SmtpDialogue> {
  const { connect } = await import('node:net');
  const socket = connect({ host, port });
  let buffer = '';
  const replies: string[] = [];
  const waiting: { resolve: (reply: string) => void; reject: (error: Error) => void }[] = [];
  let failed: Error | undefined;
  socket.on('error', (error) => {
    failed = error;
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  });
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    for (;;) {
      // A reply ends at a line "NNN text" (no dash after the code).
      const match = /^\d{3}(?: [^\r\n]*)?\r\n/m.exec(buffer);
      if (!match) return;
      const reply = buffer.slice(0, match.index + match[0].length - 2);
      buffer = buffer.slice(match.index + match[0].length);
      const waiter = waiting.shift();
      if (waiter) waiter.resolve(reply);
      else replies.push(reply);
    }
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const ready = replies.shift();
      if (ready !== undefined) resolve(ready);
      else if (failed) reject(failed);
      else waiting.push({ resolve, reject });
    });
  const greeting = await next();
  return {
    greeting,
    next,
    say(line) {
      socket.write(`${line}\r\n`);
      return next();
    },
    close: () => socket.destroy(),
  };
}
