import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { ScannersConfig } from '../../config/load-config.js';
import { pass, readLimited, type ScanInput, type Scanner, type ScanOutcome } from './scanner.js';

interface RspamdSymbol {
  name?: string;
  score?: number;
  options?: string[];
}

interface RspamdReply {
  action?: string;
  score?: number;
  required_score?: number;
  is_skipped?: boolean;
  symbols?: Record<string, RspamdSymbol>;
}

const MAX_LISTED_SYMBOLS = 50;
const PHISH_SYMBOL = /^(PHISHING|PHISHED_|PH_SURBL|MSBL_EBL)/;

/**
 * rspamd over HTTP: the raw message is posted to `/checkv2` with the envelope in request headers
 * (From, Rcpt, IP, Helo, Queue-Id); the reply's action decides, its symbols go into the details.
 */
export class RspamdScanner implements Scanner {
  readonly name = 'rspamd' as const;
  readonly timeoutMs: number;
  private readonly holdActions: Set<string>;

  constructor(private readonly config: ScannersConfig['rspamd']) {
    this.timeoutMs = config.timeoutMs;
    this.holdActions = new Set(config.holdActions.map((action) => action.toLowerCase()));
  }

  async scan(input: ScanInput): Promise<ScanOutcome> {
    if (input.size > this.config.maxSize)
      return pass({ skipped: `larger than ${this.config.maxSize} bytes` });
    const reply = await this.check(input);
    const action = (reply.action ?? 'no action').toLowerCase();
    const symbols = Object.values(reply.symbols ?? {})
      .filter((symbol) => typeof symbol.name === 'string')
      .sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
    const details = {
      action,
      ...(typeof reply.required_score === 'number' ? { required: reply.required_score } : {}),
      symbols: symbols.slice(0, MAX_LISTED_SYMBOLS).map((symbol) => symbol.name!),
    };
    const score = typeof reply.score === 'number' ? reply.score : null;
    // is_skipped only means a pre-filter decided early (GTUBE, settings): the action still counts.
    if (!this.holdActions.has(action)) return { verdict: { ...pass(details).verdict, score } };
    const phish = symbols.some((symbol) => PHISH_SYMBOL.test(symbol.name!));
    return { verdict: { action: 'quarantine', reason: phish ? 'phish' : 'spam', score, details } };
  }

  async ping(signal: AbortSignal): Promise<string> {
    const url = new URL('ping', this.config.url.endsWith('/') ? this.config.url : `${this.config.url}/`);
    const send = url.protocol === 'https:' ? httpsRequest : request;
    return new Promise<string>((resolve, reject) => {
      const req = send(url, { method: 'GET', signal }, (res) => {
        readLimited(res, 64 * 1024).then((data) => {
          const text = data.toString('utf8').trim();
          if (res.statusCode === 200 && text === 'pong') resolve(text);
          else reject(new Error(`rspamd answered HTTP ${res.statusCode}: ${text.slice(0, 100)}`));
        }, reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  private async check(input: ScanInput): Promise<RspamdReply> {
    const url = new URL('checkv2', this.config.url.endsWith('/') ? this.config.url : `${this.config.url}/`);
    const headers: Record<string, string | string[]> = {
      'Content-Length': String(input.size),
      'Queue-Id': input.messageId,
      From: input.sender,
    };
    if (input.recipients.length > 0) headers.Rcpt = [...input.recipients];
    if (input.remoteAddress) headers.IP = input.remoteAddress.replace(/^::ffff:/i, '');
    if (input.heloName) headers.Helo = input.heloName;
    if (this.config.password) headers.Password = this.config.password;
    const send = url.protocol === 'https:' ? httpsRequest : request;
    const body = await input.openRaw();
    return new Promise<RspamdReply>((resolve, reject) => {
      const req = send(url, { method: 'POST', headers, signal: input.signal }, (res) => {
        readLimited(res, 16 * 1024 * 1024).then((data) => {
          if (res.statusCode !== 200) {
            reject(
              new Error(`rspamd answered HTTP ${res.statusCode}: ${data.toString('utf8').slice(0, 200)}`),
            );
            return;
          }
          try {
            resolve(JSON.parse(data.toString('utf8')) as RspamdReply);
          } catch (error) {
            reject(new Error(`rspamd sent a reply that is not JSON: ${(error as Error).message}`));
          }
        }, reject);
      });
      req.on('error', reject);
      pipeline(body, req).catch(reject);
    });
  }
}
