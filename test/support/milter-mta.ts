import { connect, type Socket } from 'node:net';
import { type MilterFrame, MilterFrameReader } from '../../src/milter/milter-codec.js';

/** A NUL-ended string, as milter payloads carry them. */
export const cstr = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');

export function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value, 0);
  return bytes;
}

export function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value, 0);
  return bytes;
}

/** One frame as the MTA side writes it: length, code, payload (written out here, not by the codec). */
export function frame(code: string, ...parts: Buffer[]): Buffer {
  const payload = Buffer.concat(parts);
  return Buffer.concat([u32(payload.length + 1), Buffer.from(code, 'latin1'), payload]);
}

/**
 * The MTA end of a milter connection for tests: writes frames and reads the milter's reply
 * frames one at a time.
 */
export class TestMta {
  readonly socket: Socket;
  readonly #reader = new MilterFrameReader();
  readonly #frames: MilterFrame[] = [];
  readonly #waiters: ((frame: MilterFrame | undefined) => void)[] = [];
  #closed = false;
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const received of this.#reader.push(chunk)) {
        const waiter = this.#waiters.shift();
        if (waiter) waiter(received);
        else this.#frames.push(received);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#closed = true;
        for (const waiter of this.#waiters.splice(0)) waiter(undefined);
        resolve();
      }),
    );
  }

  static async connect(target: { port: number } | { path: string }): Promise<TestMta> {
    const socket = 'path' in target ? connect(target.path) : connect(target.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new TestMta(socket);
  }

  /** Reply frames received and not yet taken with next(). */
  get pending(): number {
    return this.#frames.length;
  }

  send(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames));
  }

  /** The next reply frame, or undefined once the milter closed the connection. */
  next(): Promise<MilterFrame | undefined> {
    const queued = this.#frames.shift();
    if (queued || this.#closed) return Promise.resolve(queued);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next reply frames up to and including one whose code is in `final` (skipping PROGRESS). */
  async until(final: string): Promise<MilterFrame[]> {
    const frames: MilterFrame[] = [];
    for (;;) {
      const received = await this.next();
      if (!received) throw new Error(`connection closed before a reply in "${final}"`);
      if (received.code === 'p') continue;
      frames.push(received);
      if (final.includes(received.code)) return frames;
    }
  }

  end(): void {
    this.socket.end();
  }
}
