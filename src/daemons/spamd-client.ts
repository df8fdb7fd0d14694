import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import { exchangeOnce } from './daemon-io.js';
import type { LearnAnswer, MessageClass } from './lessons.js';

/** Where spamd listens, and the user whose preferences and Bayes database it uses (spamd's default when unset). */
export interface SpamdEndpoint {
  host: string;
  port: number;
  user?: string | undefined;
}

export interface SpamdReply {
  spam: boolean;
  score: number;
  threshold: number;
  symbols: string[];
}

const STATUS_LINE = /^SPAMD\/[\d.]+\s+(\d+)\s+(.*)$/;

/** Parses a spamd reply to SYMBOLS: a status line, headers including `Spam:`, a blank line, symbol names. */
export function parseSpamdReply(text: string): SpamdReply {
  const [head = '', body = ''] = text.split(/\r?\n\r?\n/, 2);
  const lines = head.split(/\r?\n/);
  const status = STATUS_LINE.exec(lines[0] ?? '');
  if (!status) throw new Error(`spamd sent no SPAMD status line: ${(lines[0] ?? '').slice(0, 100)}`);
  if (status[1] !== '0') throw new Error(`spamd failed: ${status[1]} ${status[2]}`);
  const spamLine = lines.find((line) => /^spam:/i.test(line));
  const spam = spamLine
    ? /^spam:\s*(true|yes|false|no)\s*;\s*(-?[\d.]+)\s*\/\s*(-?[\d.]+)/i.exec(spamLine)
    : null;
  if (!spam) throw new Error('spamd reply has no Spam: header');
  return {
    spam: /^(true|yes)$/i.test(spam[1]!),
    score: Number(spam[2]),
    threshold: Number(spam[3]),
    symbols: body
      .trim()
      .split(',')
      .map((symbol) => symbol.trim())
      .filter(Boolean),
  };
}

/**
 * SpamAssassin's spamd over the SPAMC/1.5 protocol, for scanning (SYMBOLS), learning (TELL, as
 * `spamc --learntype` does) and `lazaret doctor` (PING). Every request sends a Content-length header
 * and the raw message, then half-closes; spamd answers and closes.
 */
export class SpamdClient {
  constructor(private readonly endpoint: SpamdEndpoint) {}

  /** Asks spamd whether the message is spam: `Spam: True ; score / threshold` and the rules hit. */
  async check(raw: Readable, size: number, signal: AbortSignal): Promise<SpamdReply> {
    const reply = await this.send(`SYMBOLS SPAMC/1.5\r\nContent-length: ${size}\r\n`, raw, signal, 'check');
    return parseSpamdReply(reply);
  }

  /**
   * Teaches spamd's Bayes database the message as ham or spam (`Message-class`, `Set: local`); spamd
   * must run with `--allow-tell`. `DidSet` in the reply means it learned; without it, it knew already.
   */
  async tell(kind: MessageClass, raw: Readable, size: number, signal: AbortSignal): Promise<LearnAnswer> {
    const text = await this.send(
      `TELL SPAMC/1.5\r\nContent-length: ${size}\r\nMessage-class: ${kind}\r\nSet: local\r\n`,
      raw,
      signal,
      'learning',
    );
    const status = new RegExp(STATUS_LINE.source, 'm').exec(text);
    if (!status) throw new Error(`spamd sent no SPAMD status line: ${text.slice(0, 200)}`);
    if (status[1] !== '0') throw new Error(`spamd refused to learn: ${status[1]} ${status[2]}`);
    return /^DidSet:/im.test(text) ? 'learned' : 'known';
  }

  async ping(signal: AbortSignal): Promise<string> {
    const reply = await exchangeOnce(
      { host: this.endpoint.host, port: this.endpoint.port },
      'PING SPAMC/1.5\r\n\r\n',
      (text) => text.includes('\n'),
      signal,
    );
    if (!/^SPAMD\/[\d.]+ 0 PONG/.test(reply))
      throw new Error(`spamd answered ${JSON.stringify(reply.slice(0, 100))}`);
    return reply.trim();
  }

  /** Sends `head` (the User header and blank line are added) and the message; resolves with the whole reply. */
  private send(head: string, body: Readable, signal: AbortSignal, what: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const socket = connect({ host: this.endpoint.host, port: this.endpoint.port });
      const chunks: Buffer[] = [];
      const fail = (error: Error) => {
        body.destroy();
        socket.destroy();
        reject(error);
      };
      const onAbort = () => fail(new Error(`spamd ${what} aborted`));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', fail);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        signal.removeEventListener('abort', onAbort);
        socket.end();
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      socket.once('connect', () => {
        const user = this.endpoint.user ? `User: ${this.endpoint.user.replace(/[\r\n]/g, '')}\r\n` : '';
        socket.write(`${head}${user}\r\n`);
        body.on('error', fail);
        body.pipe(socket, { end: false });
        // spamd answers once it has read Content-length bytes; half-closing tells it no more come.
        body.on('end', () => socket.end());
      });
    });
  }
}
