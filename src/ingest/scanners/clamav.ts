import { connect, type Socket } from 'node:net';
import type { ScannersConfig } from '../../config/load-config.js';
import { exchangeOnce } from './daemon-ping.js';
import { pass, type ScanInput, type Scanner, type ScanOutcome } from './scanner.js';

/** Parses clamd's reply to INSTREAM: `stream: OK`, `stream: <name> FOUND` or `<text> ERROR`. */
export function parseClamdReply(reply: string): { infected: false } | { infected: true; virus: string } {
  const text = reply.replace(/\0/g, '').trim();
  const found = /^(?:stream|[^:]*):\s*(.+)\s+FOUND$/.exec(text);
  if (found) return { infected: true, virus: found[1]! };
  if (/:\s*OK$/.test(text)) return { infected: false };
  throw new Error(`clamd: ${text.slice(0, 200) || 'empty reply'}`);
}

/**
 * ClamAV's clamd with the INSTREAM command: the raw message in chunks, each prefixed by its length
 * as a 4-byte big-endian number, ended by a zero-length chunk. Messages above `maxSize` (clamd's
 * StreamMaxLength) are not streamed, since clamd would drop the connection part way.
 */
export class ClamavScanner implements Scanner {
  readonly name = 'clamav' as const;
  readonly timeoutMs: number;

  constructor(private readonly config: ScannersConfig['clamav']) {
    this.timeoutMs = config.timeoutMs;
  }

  async scan(input: ScanInput): Promise<ScanOutcome> {
    if (input.size > this.config.maxSize)
      return pass({ skipped: `larger than ${this.config.maxSize} bytes` });
    const result = parseClamdReply(await this.instream(input));
    if (!result.infected) return pass();
    return {
      verdict: { action: 'quarantine', reason: 'malware', score: null, details: { virus: result.virus } },
    };
  }

  async ping(signal: AbortSignal): Promise<string> {
    const target = this.config.socket
      ? { path: this.config.socket }
      : { host: this.config.host, port: this.config.port };
    const reply = await exchangeOnce(target, 'zPING\0', (text) => text.includes('\0'), signal);
    if (!reply.startsWith('PONG')) throw new Error(`clamd answered ${JSON.stringify(reply.slice(0, 100))}`);
    return reply.replace(/\0/g, '');
  }

  private connect(): Socket {
    return this.config.socket
      ? connect({ path: this.config.socket })
      : connect({ host: this.config.host, port: this.config.port });
  }

  private async instream(input: ScanInput): Promise<string> {
    const body = await input.openRaw();
    const chunkSize = this.config.chunkSize;
    return new Promise<string>((resolve, reject) => {
      const socket = this.connect();
      const replies: Buffer[] = [];
      let settled = false;
      const settle = (error: Error | null, reply?: string) => {
        if (settled) return;
        settled = true;
        input.signal.removeEventListener('abort', onAbort);
        body.destroy();
        socket.destroy();
        if (error) reject(error);
        else resolve(reply!);
      };
      const onAbort = () => settle(new Error('clamd scan aborted'));
      input.signal.addEventListener('abort', onAbort, { once: true });
      // clamd hangs up on a stream over its StreamMaxLength; our next write then fails with EPIPE.
      // Its reply, when it came first, says why; either way it is a clamd error, never a pass.
      socket.on('error', (error) => {
        const reply = Buffer.concat(replies).toString('utf8');
        settle(reply ? null : new Error(`clamd: ${error.message}`), reply || undefined);
      });
      socket.on('data', (chunk: Buffer) => {
        replies.push(chunk);
        // The reply ends with NUL (z-prefixed command); clamd may also answer early, e.g. size limit exceeded.
        if (chunk.includes(0)) settle(null, Buffer.concat(replies).toString('utf8'));
      });
      socket.on('close', () => settle(new Error(`clamd closed the connection: ${Buffer.concat(replies)}`)));
      socket.once('connect', async () => {
        try {
          socket.write('zINSTREAM\0');
          for await (const data of body) {
            const buffer = data as Buffer;
            for (let offset = 0; offset < buffer.length; offset += chunkSize) {
              const piece = buffer.subarray(offset, offset + chunkSize);
              const length = Buffer.alloc(4);
              length.writeUInt32BE(piece.length);
              socket.write(length);
              if (!socket.write(piece)) {
                await new Promise((ok) => {
                  socket.once('drain', ok);
                  socket.once('close', ok);
                });
              }
              if (settled) return;
            }
          }
          socket.write(Buffer.alloc(4));
        } catch (error) {
          settle(error as Error);
        }
      });
    });
  }
}
