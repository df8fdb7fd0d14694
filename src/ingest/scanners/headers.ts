import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { ScannersConfig } from '../../config/load-config.js';
import { LazaretError } from '../../core/errors.js';
import { pass, type ScanInput, type Scanner, type ScanOutcome } from './scanner.js';

/** Builds the set of trusted SMTP clients from addresses and CIDR ranges (`10.0.0.0/8`, `::1`). */
export function trustedHostList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    if (!family || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) {
      throw new LazaretError(
        'config_invalid',
        `Invalid configuration scanners.headers.trustedHosts: not an IP address or CIDR range: ${entry}`,
        { key: 'scanners.headers.trustedHosts', env: 'LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS' },
      );
    }
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

export function isTrusted(list: BlockList, remoteAddress: string | undefined): boolean {
  if (!remoteAddress) return false;
  const address = remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (isIPv4(address)) return list.check(address, 'ipv4');
  if (isIPv6(address)) return list.check(address, 'ipv6');
  return false;
}

function number(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number.parseFloat(text);
  return Number.isFinite(value) ? value : null;
}

/**
 * Believes the verdicts that a trusted upstream filter wrote into the header (SpamAssassin's
 * X-Spam-Flag/X-Spam-Status, rspamd's X-Rspamd-Action/-Score, clamav-milter's X-Virus-Status).
 * Only the topmost occurrence of each header counts, and only when the SMTP client is trusted.
 */
export class HeadersScanner implements Scanner {
  readonly name = 'headers' as const;
  private readonly trusted: BlockList;
  private readonly holdActions: Set<string>;

  constructor(
    config: ScannersConfig['headers'],
    readonly timeoutMs: number,
  ) {
    this.trusted = trustedHostList(config.trustedHosts);
    this.holdActions = new Set(config.rspamdHoldActions.map((action) => action.toLowerCase()));
  }

  async scan(input: ScanInput): Promise<ScanOutcome> {
    // Trust is about who wrote the headers last: the peer that handed the message over, not the
    // original client that Postfix names with XFORWARD.
    if (!isTrusted(this.trusted, input.peerAddress ?? input.remoteAddress)) return pass({ trusted: false });
    const first = (name: string) => input.summary.scannerHeaders[name]?.[0]?.replace(/\s+/g, ' ').trim();

    const virus = first('x-virus-status');
    if (virus && /^infected\b/i.test(virus)) {
      const name = /\(([^)]+)\)/.exec(virus)?.[1] ?? /^infected\s*:?\s*(\S.*)$/i.exec(virus)?.[1];
      return {
        verdict: {
          action: 'quarantine',
          reason: 'malware',
          score: null,
          details: { header: 'X-Virus-Status', value: virus, ...(name ? { virus: name } : {}) },
        },
      };
    }

    const status = first('x-spam-status');
    const flag = first('x-spam-flag');
    const statusSaysSpam = status !== undefined && /^yes\b/i.test(status);
    if (statusSaysSpam || (flag !== undefined && /^yes\b/i.test(flag))) {
      const score = number(status ? /\bscore=(-?[\d.]+)/i.exec(status)?.[1] : first('x-spam-score'));
      const required = number(status ? /\brequired=(-?[\d.]+)/i.exec(status)?.[1] : undefined);
      // Folding may put spaces after the commas: the list runs up to the next `name=` or the end.
      const tests = status ? /\btests=(.*?)(?:\s+\w+=|$)/i.exec(status)?.[1] : undefined;
      return {
        verdict: {
          action: 'quarantine',
          reason: 'spam',
          score,
          details: {
            header: statusSaysSpam ? 'X-Spam-Status' : 'X-Spam-Flag',
            ...(required !== null ? { required } : {}),
            ...(tests ? { symbols: tests.split(/[\s,]+/).filter(Boolean) } : {}),
          },
        },
      };
    }

    const action = first('x-rspamd-action')?.toLowerCase();
    if (action && this.holdActions.has(action)) {
      return {
        verdict: {
          action: 'quarantine',
          reason: 'spam',
          score: number(first('x-rspamd-score')),
          details: { header: 'X-Rspamd-Action', action },
        },
      };
    }
    return pass({ trusted: true });
  }
}
