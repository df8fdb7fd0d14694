import type { ScannersConfig } from '../../config/load-config.js';
import { ClamdClient } from '../../daemons/clamd-client.js';
import { pass, type ScanInput, type Scanner, type ScanOutcome } from './scanner.js';

/**
 * ClamAV's clamd with the INSTREAM command (src/daemons/clamd-client.ts). Messages above `maxSize`
 * (clamd's StreamMaxLength) are not streamed, since clamd would drop the connection part way.
 */
export class ClamavScanner implements Scanner {
  readonly name = 'clamav' as const;
  readonly timeoutMs: number;
  private readonly clamd: ClamdClient;

  constructor(private readonly config: ScannersConfig['clamav']) {
    this.timeoutMs = config.timeoutMs;
    this.clamd = new ClamdClient(config);
  }

  async scan(input: ScanInput): Promise<ScanOutcome> {
    if (input.size > this.config.maxSize)
      return pass({ skipped: `larger than ${this.config.maxSize} bytes` });
    const result = await this.clamd.instream(await input.openRaw(), input.signal);
    if (!result.infected) return pass();
    return {
      verdict: { action: 'quarantine', reason: 'malware', score: null, details: { virus: result.virus } },
    };
  }

  ping(signal: AbortSignal): Promise<string> {
    return this.clamd.ping(signal);
  }
}
