import type { ScannersConfig } from '../../config/load-config.js';
import { SpamdClient } from '../../daemons/spamd-client.js';
import { pass, type ScanInput, type Scanner, type ScanOutcome } from './scanner.js';

/**
 * SpamAssassin's spamd: `SYMBOLS` (src/daemons/spamd-client.ts); spamd answers with
 * `Spam: True ; score / threshold` and the names of the rules hit.
 */
export class SpamAssassinScanner implements Scanner {
  readonly name = 'spamassassin' as const;
  readonly timeoutMs: number;
  private readonly spamd: SpamdClient;

  constructor(private readonly config: ScannersConfig['spamassassin']) {
    this.timeoutMs = config.timeoutMs;
    this.spamd = new SpamdClient(config);
  }

  async scan(input: ScanInput): Promise<ScanOutcome> {
    if (input.size > this.config.maxSize)
      return pass({ skipped: `larger than ${this.config.maxSize} bytes` });
    const reply = await this.spamd.check(await input.openRaw(), input.size, input.signal);
    const details = { threshold: reply.threshold, symbols: reply.symbols };
    if (!reply.spam) return { verdict: { ...pass(details).verdict, score: reply.score } };
    return { verdict: { action: 'quarantine', reason: 'spam', score: reply.score, details } };
  }

  ping(signal: AbortSignal): Promise<string> {
    return this.spamd.ping(signal);
  }
}
