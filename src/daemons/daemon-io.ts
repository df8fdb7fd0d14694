import { connect, type NetConnectOpts } from 'node:net';
import type { Readable } from 'node:stream';

/**
 * Sends `request` over a fresh connection and resolves with the reply once `done` accepts it (or the
 * daemon closes); the daemons' PING commands, which `lazaret doctor` sends.
 */
export function exchangeOnce(
  target: NetConnectOpts,
  request: string,
  done: (reply: string) => boolean,
  signal: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(target);
    let reply = '';
    const finish = (error: Error | null) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply);
    };
    const onAbort = () => finish(new Error('no answer in time'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', finish);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (done(reply)) finish(null);
    });
    socket.on('end', () => finish(null));
  });
}

/** Reads a stream fully, failing once it exceeds `limit` bytes. */
export async function readLimited(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      throw new Error(`more than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
