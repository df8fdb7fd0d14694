import type { Logger } from 'pino';
import type { ScannerName, ScannersConfig } from '../config/load-config.js';
import { LazaretError } from '../core/errors.js';
import type { Reason } from '../core/types.js';
import type { SenderListDeps } from '../lists/sender-decision.js';
import type { Metrics } from '../metrics.js';
import { ClamavScanner } from './scanners/clamav.js';
import { HeadersScanner } from './scanners/headers.js';
import { PolicyScanner } from './scanners/policy.js';
import { RspamdScanner } from './scanners/rspamd.js';
import { passVerdict, type ScanInput, type Scanner, type ScanOutcome } from './scanners/scanner.js';
import { SpamAssassinScanner } from './scanners/spamassassin.js';
import type { Verdict } from './verdict.js';

const MAX_SUMMARY_SYMBOLS = 50;

/**
 * What a scanner found, kept in the per-scanner summary for every scanner (not only the winner's
 * details): its threshold, the rules or symbols that fired (with rspamd's descriptions), the virus.
 */
function scannerFacts(details: Record<string, unknown>): Record<string, unknown> {
  const threshold = details.required ?? details.threshold;
  const symbols = Array.isArray(details.symbols)
    ? details.symbols.filter((symbol) => typeof symbol === 'string').slice(0, MAX_SUMMARY_SYMBOLS)
    : [];
  const descriptions = details.descriptions;
  return {
    ...(typeof threshold === 'number' ? { threshold } : {}),
    ...(symbols.length > 0 ? { symbols } : {}),
    ...(descriptions && typeof descriptions === 'object' ? { descriptions } : {}),
    ...(typeof details.virus === 'string' ? { virus: details.virus } : {}),
  };
}

/** How strongly a reason holds mail: the strongest verdict of all scanners wins. */
export const STRENGTH: Record<Reason, number> = {
  malware: 6,
  phish: 5,
  policy: 4,
  spam: 3,
  bulk: 2,
  manual: 1,
};
/** Reasons that a sender allow list overrides. */
const ALLOWABLE: ReadonlySet<Reason> = new Set<Reason>(['spam', 'bulk']);

export type PipelineInput = Omit<ScanInput, 'signal'>;

interface ScannerResult {
  scanner: ScannerName;
  outcome: ScanOutcome | null;
  error?: string;
}

function stronger(candidate: Verdict, current: Verdict): boolean {
  if (candidate.action !== current.action) return candidate.action === 'quarantine';
  if (candidate.action === 'pass') return false;
  const difference = STRENGTH[candidate.reason] - STRENGTH[current.reason];
  if (difference !== 0) return difference > 0;
  return (candidate.score ?? Number.NEGATIVE_INFINITY) > (current.score ?? Number.NEGATIVE_INFINITY);
}

/** Builds the configured scanners in their configured order; the policy scanner reads `lists` when given. */
export function buildScanners(config: ScannersConfig, lists?: SenderListDeps): Scanner[] {
  const factories: Record<ScannerName, () => Scanner> = {
    headers: () => new HeadersScanner(config.headers, config.timeoutMs),
    policy: () => new PolicyScanner(config.policy, config.timeoutMs, lists),
    rspamd: () => new RspamdScanner(config.rspamd),
    spamassassin: () => new SpamAssassinScanner(config.spamassassin),
    clamav: () => new ClamavScanner(config.clamav),
  };
  return config.enabled.map((name) => factories[name]());
}

export interface VerdictPipelineOptions {
  onError: ScannersConfig['onError'];
  logger: Logger;
  metrics?: Metrics | undefined;
}

/**
 * Runs every scanner on a message (concurrently, each within its own time limit) and decides per
 * recipient: the strongest verdict wins, ties go to the scanner listed first. A scanner that fails
 * or times out either stops the message with `scanner_unavailable` (onError: tempfail, so the
 * sender retries) or is left out (onError: pass) and named in the details.
 */
export class VerdictPipeline {
  constructor(
    readonly scanners: readonly Scanner[],
    private readonly options: VerdictPipelineOptions,
  ) {}

  async decide(input: PipelineInput): Promise<Map<string, Verdict>> {
    const results = await Promise.all(this.scanners.map((scanner) => this.run(scanner, input)));
    const failed = results.filter((result) => result.outcome === null);
    if (failed.length > 0 && this.options.onError === 'tempfail') {
      throw new LazaretError(
        'scanner_unavailable',
        `Scanner ${failed.map((result) => `${result.scanner} (${result.error})`).join(', ')} unavailable`,
        { scanners: failed.map((result) => ({ scanner: result.scanner, error: result.error })) },
      );
    }
    const verdicts = new Map<string, Verdict>();
    for (const recipient of input.recipients) verdicts.set(recipient, this.combine(recipient, results));
    return verdicts;
  }

  private combine(recipient: string, results: readonly ScannerResult[]): Verdict {
    let best: Verdict = passVerdict();
    let winner: ScannerName | null = null;
    const allowed = results.some((result) => result.outcome?.allowedFor?.has(recipient));
    const summary: Record<string, unknown> = {};
    for (const result of results) {
      if (!result.outcome) {
        summary[result.scanner] = { error: result.error };
        continue;
      }
      const verdict = result.outcome.perRecipient?.get(recipient) ?? result.outcome.verdict;
      summary[result.scanner] = {
        action: verdict.action,
        ...(verdict.action === 'quarantine' ? { reason: verdict.reason } : {}),
        ...(verdict.score !== null ? { score: verdict.score } : {}),
        // A scanner that did not look (message above its maxSize) says so, whatever the others decided.
        ...(typeof verdict.details.skipped === 'string' ? { skipped: verdict.details.skipped } : {}),
        ...scannerFacts(verdict.details),
      };
      if (verdict.action === 'quarantine' && allowed && ALLOWABLE.has(verdict.reason)) continue;
      if (stronger(verdict, best)) {
        best = verdict;
        winner = result.scanner;
      }
    }
    return {
      ...best,
      details: {
        ...(winner ? { scanner: winner } : {}),
        ...best.details,
        ...(allowed ? { senderAllowed: true } : {}),
        scanners: summary,
      },
    };
  }

  private async run(scanner: Scanner, input: PipelineInput): Promise<ScannerResult> {
    const controller = new AbortController();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${scanner.timeoutMs} ms`));
      }, scanner.timeoutMs);
    });
    try {
      const outcome = await Promise.race([scanner.scan({ ...input, signal: controller.signal }), timeout]);
      this.options.metrics?.scannerDuration.observe(
        { scanner: scanner.name },
        (performance.now() - started) / 1000,
      );
      return { scanner: scanner.name, outcome };
    } catch (caught) {
      const error = caught instanceof Error ? caught.message : String(caught);
      const kind = controller.signal.aborted ? 'timeout' : 'error';
      this.options.metrics?.scannerErrors.inc({ scanner: scanner.name, kind });
      this.options.logger.warn({
        event: 'SCANNER_FAILED',
        scanner: scanner.name,
        kind,
        error,
        messageId: input.messageId,
      });
      return { scanner: scanner.name, outcome: null, error };
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }
}
