import { connect, type Socket } from 'node:net';
import type { ScannersConfig } from '../../config/load-config.js';
import { exchangeOnce } from './daemon-ping.js';
import { pass, type ScanInput, type Scanner, type ScanOutcome } from './scanner.js';

export interface SpamdReply {
  spam: boolean;
  score: number;
  threshold: number;
  symbols: string[];
}

/** Parses a spamd reply to SYMBOLS: a status line, headers including `Spam:`, a blank line, symbol names. */
export function parseSpamdReply(text: string): SpamdReply {
  const [head = '', body = ''] = text.split(/\r?\n\r?\n/, 2);
  const lines = head.split(/\r?\n/);
  const status = /^SPAMD\/[\d.]+\s+(\d+)\s+(.*)$/.exec(lines[0] ?? '');
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
 * SpamAssassin's spamd over the SPAMC/1.5 protocol: `SYMBOLS` with a Content-length header and the
 * raw message; spamd answers with `Spam: True ; score / threshold` and the names of the rules hit.
 */
export class SpamAssassinScanner implements Scanner {
  readonly name = 'spamassassin' as const;
  readonly timeoutMs: number;

  constructor(private readonly config: ScannersConfig['spamassassin']) {
    this.timeoutMs = config.timeoutMs;
  }

  async scan(input: ScanInput): Promise<ScanOutcome> {
    if (input.size > this.config.maxSize)
      return pass({ skipped: `larger than ${this.config.maxSize} bytes` });
    const reply = parseSpamdReply(await this.exchange(input));
    const details = { threshold: reply.threshold, symbols: reply.symbols };
    if (!reply.spam) return { verdict: { ...pass(details).verdict, score: reply.score } };
    return { verdict: { action: 'quarantine', reason: 'spam', score: reply.score, details } };
  }

  async ping(signal: AbortSignal): Promise<string> {
    const reply = await exchangeOnce(
      { host: this.config.host, port: this.config.port },
      'PING SPAMC/1.5\r\n\r\n',
      (text) => text.includes('\n'),
      signal,
    );
    if (!/^SPAMD\/[\d.]+ 0 PONG/.test(reply))
      throw new Error(`spamd answered ${JSON.stringify(reply.slice(0, 100))}`);
    return reply.trim();
  }

  private async exchange(input: ScanInput): Promise<string> {
    const body = await input.openRaw();
    return new Promise<string>((resolve, reject) => {
      const socket: Socket = connect({ host: this.config.host, port: this.config.port });
      const chunks: Buffer[] = [];
      const fail = (error: Error) => {
        body.destroy();
        socket.destroy();
        reject(error);
      };
      const onAbort = () => fail(new Error('spamd check aborted'));
      input.signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', fail);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        input.signal.removeEventListener('abort', onAbort);
        socket.end();
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      socket.once('connect', () => {
        const user = this.config.user ? `User: ${this.config.user.replace(/[\r\n]/g, '')}\r\n` : '';
        socket.write(`SYMBOLS SPAMC/1.5\r\nContent-length: ${input.size}\r\n${user}\r\n`);
        body.on('error', fail);
        body.pipe(socket, { end: false });
        // spamd answers once it has read Content-length bytes; half-closing tells it no more come.
        body.on('end', () => socket.end());
      });
    });
  }
}
