import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../config/load-config.js';
import type { LearnKind } from '../store/learning-store.js';

/** What a teacher did with a message: learned it now, or it knew it already (the lesson is repeated). */
export type LearnAnswer = 'learned' | 'known';

/** A spam filter that can be taught; rejects with an Error saying why when it could not be. */
export interface SpamTeacher {
  readonly name: string;
  learn(kind: LearnKind, raw: Readable, size: number, signal: AbortSignal): Promise<LearnAnswer>;
}

async function readAll(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * rspamd's controller: the raw message is POSTed to `/learnham` or `/learnspam` (with the
 * controller's enable password). 200 is learned; 208 means rspamd learned this message already.
 */
export class RspamdTeacher implements SpamTeacher {
  readonly name = 'rspamd';

  constructor(private readonly config: Pick<Config['learning'], 'rspamdUrl' | 'rspamdPassword'>) {}

  async learn(kind: LearnKind, raw: Readable, size: number, signal: AbortSignal): Promise<LearnAnswer> {
    const base = this.config.rspamdUrl.endsWith('/') ? this.config.rspamdUrl : `${this.config.rspamdUrl}/`;
    const url = new URL(kind === 'ham' ? 'learnham' : 'learnspam', base);
    const headers: Record<string, string> = { 'Content-Length': String(size) };
    if (this.config.rspamdPassword) headers.Password = this.config.rspamdPassword;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<LearnAnswer>((resolve, reject) => {
      const request = send(url, { method: 'POST', headers, signal }, (response) => {
        readAll(response, 64 * 1024).then((text) => {
          const status = response.statusCode ?? 0;
          if (status === 200) resolve('learned');
          else if (status === 208) resolve('known');
          else
            reject(
              new Error(
                `rspamd answered HTTP ${status} ${response.statusMessage ?? ''}: ${text.slice(0, 300)}`,
              ),
            );
        }, reject);
      });
      request.on('error', reject);
      pipeline(raw, request).catch(reject);
    });
  }
}

/**
 * SpamAssassin's spamd, taught as `spamc --learntype` does: a `TELL` request with
 * `Message-class: ham|spam` and `Set: local`; spamd must run with `--allow-tell`.
 */
export class SpamdTeacher implements SpamTeacher {
  readonly name = 'spamassassin';

  constructor(private readonly config: Pick<Config['learning'], 'spamdHost' | 'spamdPort' | 'spamdUser'>) {}

  learn(kind: LearnKind, raw: Readable, size: number, signal: AbortSignal): Promise<LearnAnswer> {
    return new Promise<LearnAnswer>((resolve, reject) => {
      const socket = connect({ host: this.config.spamdHost, port: this.config.spamdPort });
      const chunks: Buffer[] = [];
      const fail = (error: Error) => {
        raw.destroy();
        socket.destroy();
        reject(error);
      };
      const onAbort = () => fail(new Error('spamd learning aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', fail);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        signal.removeEventListener('abort', onAbort);
        socket.end();
        const text = Buffer.concat(chunks).toString('utf8');
        const status = /^SPAMD\/[\d.]+\s+(\d+)\s+(.*)$/m.exec(text);
        if (!status) return reject(new Error(`spamd sent no SPAMD status line: ${text.slice(0, 200)}`));
        if (status[1] !== '0') return reject(new Error(`spamd refused to learn: ${status[1]} ${status[2]}`));
        resolve(/^DidSet:/im.test(text) ? 'learned' : 'known');
      });
      socket.once('connect', () => {
        const user = this.config.spamdUser ? `User: ${this.config.spamdUser.replace(/[\r\n]/g, '')}\r\n` : '';
        socket.write(
          `TELL SPAMC/1.5\r\nContent-length: ${size}\r\nMessage-class: ${kind}\r\nSet: local\r\n${user}\r\n`,
        );
        raw.on('error', fail);
        raw.pipe(socket, { end: false });
        raw.on('end', () => socket.end());
      });
    });
  }
}

/** The teacher `learning.backend` names, or null for none. */
export function buildTeacher(config: Config['learning']): SpamTeacher | null {
  switch (config.backend) {
    case 'none':
      return null;
    case 'rspamd':
      return new RspamdTeacher(config);
    case 'spamassassin':
      return new SpamdTeacher(config);
  }
}
