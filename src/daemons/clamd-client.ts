import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { exchangeOnce } from './daemon-io.js';

/** Where clamd listens: its local (unix) socket when set, else host and port (TCPSocket). */
export interface ClamdEndpoint {
  host: string;
  port: number;
  socket?: string | undefined;
  /** Largest INSTREAM chunk sent. */
  chunkSize: number;
}

export type ClamdVerdict = { infected: false } | { infected: true; virus: string };

/** Parses clamd's reply to INSTREAM: `stream: OK`, `stream: <name> FOUND` or `<text> ERROR`. */
export function parseClamdReply(reply: string): ClamdVerdict {
  const text = reply.replace(/\0/g, '').trim();
  const found = /^(?:stream|[^:]*):\s*(.+)\s+FOUND$/.exec(text);
  if (found) return { infected: true, virus: found[1]! };
  if (/:\s*OK$/.test(text)) return { infected: false };
  throw new Error(`clamd: ${text.slice(0, 200) || 'empty reply'}`);
}

/**
 * ClamAV's clamd, for scanning (INSTREAM: the raw message in chunks, each prefixed by its length as a
 * 4-byte big-endian number, ended by a zero-length chunk) and `lazaret doctor` (PING).
 */
export class ClamdClient {
  constructor(private readonly endpoint: ClamdEndpoint) {}

  async instream(raw: Readable, signal: AbortSignal): Promise<ClamdVerdict> {
    return parseClamdReply(await this.stream(raw, signal));
  }

  async ping(signal: AbortSignal): Promise<string> {
    const reply = await exchangeOnce(this.target(), 'zPING\0', (text) => text.includes('\0'), signal);
    if (!reply.startsWith('PONG')) throw new Error(`clamd answered ${JSON.stringify(reply.slice(0, 100))}`);
    return reply.replace(/\0/g, '');
  }

  private target(): { path: string } | { host: string; port: number } {
    return this.endpoint.socket
      ? { path: this.endpoint.socket }
      : { host: this.endpoint.host, port: this.endpoint.port };
  }

  private stream(body: Readable, signal: AbortSignal): Promise<string> {
    const chunkSize = this.endpoint.chunkSize;
    return new Promise<string>((resolve, reject) => {
      const socket: Socket = connect(this.target());
      const replies: Buffer[] = [];
      let settled = false;
      const settle = (error: Error | null, reply?: string) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        body.destroy();
        socket.destroy();
        if (error) reject(error);
        else resolve(reply!);
      };
      const onAbort = () => settle(new Error('clamd scan aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
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
