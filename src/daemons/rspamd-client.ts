import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readLimited } from './daemon-io.js';
import type { LearnAnswer, MessageClass } from './lessons.js';

/** rspamd's two HTTP endpoints: the normal worker that checks mail and the controller that learns. */
export interface RspamdEndpoints {
  /** Base URL of the normal worker (port 11333 by default). */
  url: string;
  /** Base URL of the controller worker (port 11334 by default). */
  controllerUrl: string;
  /** Sent as the `Password` header: the controller's enable_password; the normal worker ignores it. */
  password?: string | undefined;
}

export interface RspamdSymbol {
  name?: string;
  score?: number;
  options?: string[];
  /** What the rule means, for the rules that have a description in rspamd's configuration. */
  description?: string;
}

/** The parts of rspamd's `/checkv2` reply that Lazaret reads. */
export interface RspamdReply {
  action?: string;
  score?: number;
  required_score?: number;
  is_skipped?: boolean;
  symbols?: Record<string, RspamdSymbol>;
}

/** The SMTP envelope rspamd is told in request headers, so that its rules can use it. */
export interface RspamdEnvelope {
  queueId: string;
  from: string;
  rcpt: readonly string[];
  ip?: string | undefined;
  helo?: string | undefined;
}

interface HttpAnswer {
  status: number;
  statusMessage: string;
  body: Buffer;
}

/**
 * rspamd over HTTP, for scanning (`/checkv2` on the normal worker), learning (`/learnham`,
 * `/learnspam` on the controller) and `lazaret doctor` (`/ping` on either).
 */
export class RspamdClient {
  constructor(private readonly endpoints: RspamdEndpoints) {}

  /** Posts the message to `/checkv2` with the envelope in request headers (From, Rcpt, IP, Helo, Queue-Id). */
  async check(
    raw: Readable,
    size: number,
    envelope: RspamdEnvelope,
    signal: AbortSignal,
  ): Promise<RspamdReply> {
    const headers: Record<string, string | string[]> = {
      'Content-Length': String(size),
      'Queue-Id': envelope.queueId,
      From: envelope.from,
    };
    if (envelope.rcpt.length > 0) headers.Rcpt = [...envelope.rcpt];
    if (envelope.ip) headers.IP = envelope.ip.replace(/^::ffff:/i, '');
    if (envelope.helo) headers.Helo = envelope.helo;
    const answer = await this.send(
      this.endpoints.url,
      'checkv2',
      'POST',
      headers,
      raw,
      signal,
      16 * 1024 * 1024,
    );
    if (answer.status !== 200)
      throw new Error(`rspamd answered HTTP ${answer.status}: ${answer.body.toString('utf8').slice(0, 200)}`);
    try {
      return JSON.parse(answer.body.toString('utf8')) as RspamdReply;
    } catch (error) {
      throw new Error(`rspamd sent a reply that is not JSON: ${(error as Error).message}`);
    }
  }

  /** Teaches the controller the message as ham or spam: 200 is learned, 208 means it knew it already. */
  async learn(kind: MessageClass, raw: Readable, size: number, signal: AbortSignal): Promise<LearnAnswer> {
    const path = kind === 'ham' ? 'learnham' : 'learnspam';
    const headers = { 'Content-Length': String(size) };
    const answer = await this.send(
      this.endpoints.controllerUrl,
      path,
      'POST',
      headers,
      raw,
      signal,
      64 * 1024,
    );
    if (answer.status === 200) return 'learned';
    if (answer.status === 208) return 'known';
    throw new Error(
      `rspamd answered HTTP ${answer.status} ${answer.statusMessage}: ${answer.body.toString('utf8').slice(0, 300)}`,
    );
  }

  /** `GET /ping` on the normal worker or the controller; resolves with `pong`. */
  async ping(signal: AbortSignal, worker: 'normal' | 'controller' = 'normal'): Promise<string> {
    const base = worker === 'normal' ? this.endpoints.url : this.endpoints.controllerUrl;
    const answer = await this.send(base, 'ping', 'GET', {}, undefined, signal, 64 * 1024);
    const text = answer.body.toString('utf8').trim();
    if (answer.status === 200 && text === 'pong') return text;
    throw new Error(`rspamd answered HTTP ${answer.status}: ${text.slice(0, 100)}`);
  }

  private send(
    base: string,
    path: string,
    method: 'GET' | 'POST',
    headers: Record<string, string | string[]>,
    body: Readable | undefined,
    signal: AbortSignal,
    limit: number,
  ): Promise<HttpAnswer> {
    const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
    const allHeaders = this.endpoints.password ? { ...headers, Password: this.endpoints.password } : headers;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<HttpAnswer>((resolve, reject) => {
      const request = send(url, { method, headers: allHeaders, signal }, (response: IncomingMessage) => {
        readLimited(response, limit).then(
          (data) =>
            resolve({
              status: response.statusCode ?? 0,
              statusMessage: response.statusMessage ?? '',
              body: data,
            }),
          reject,
        );
      });
      request.on('error', reject);
      if (body) pipeline(body, request).catch(reject);
      else request.end();
    });
  }
}
