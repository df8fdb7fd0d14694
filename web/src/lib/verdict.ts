/*
 * Reads an item's scanner details (the shapes src/ingest/verdict-pipeline.ts and the scanners in
 * src/ingest/scanners/ store) into words: the reason detail for the list and a row per scanner for the
 * verdict card. The winning scanner's own details sit at the top level; every scanner has a summary
 * under `scanners`.
 */

import { policyRule } from '../../../src/core/reason-detail.js';

type Details = Record<string, unknown>;

export interface ScannerRow {
  scanner: string;
  /** "held: spam", "passed", "failed: …", "skipped: …". */
  verdict: string;
  held: boolean;
  score: number | null;
  threshold: number | null;
  /** Rules or symbols that fired, as the scanner listed them. */
  symbols: string[];
  /** What a symbol means, where the scanner says (rspamd). */
  descriptions: Record<string, string>;
  virus: string | null;
  /** A policy rule in words, e.g. "blocked file extension .exe (invoice.exe)". */
  rule: string | null;
}

const SCANNER_LABEL: Record<string, string> = {
  headers: 'Upstream headers',
  policy: 'Policy',
  rspamd: 'rspamd',
  spamassassin: 'SpamAssassin',
  clamav: 'ClamAV',
  filter: 'Filter',
};

export const scannerLabel = (name: string) => SCANNER_LABEL[name] ?? name;

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

const AUTH_METHOD: Record<string, string> = { spf: 'SPF', dkim: 'DKIM', dmarc: 'DMARC', arc: 'ARC' };
const AUTH_RESULT: Record<string, string> = {
  pass: 'passed',
  fail: 'failed',
  softfail: 'failed softly (softfail)',
  neutral: 'neutral: the domain says nothing',
  none: 'not available: nothing to check',
  policy: 'refused by local policy',
  temperror: 'could not be checked (temporary error)',
  permerror: 'could not be checked (broken record)',
};

/** One authentication result in plain words: "SPF passed". */
export function authResultWords(result: { method: string; result: string }): string {
  return `${AUTH_METHOD[result.method] ?? result.method} ${AUTH_RESULT[result.result] ?? result.result}`;
}

export { policyRule, reasonDetail } from '../../../src/core/reason-detail.js';

const symbolsOf = (details: Details) =>
  Array.isArray(details.symbols) ? details.symbols.filter((symbol) => typeof symbol === 'string') : [];

function descriptionsOf(details: Details): Record<string, string> {
  const descriptions = details.descriptions;
  if (!descriptions || typeof descriptions !== 'object') return {};
  return Object.fromEntries(
    Object.entries(descriptions).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

const thresholdOf = (details: Details) => number(details.required) ?? number(details.threshold);

/** One row per scanner that ran, in the order they ran; the winner's row carries its details. */
export function scannerRows(details: Details, itemScore: number | null): ScannerRow[] {
  // Items held before scanners were named (or imported) still show what they carry, as "Filter".
  const described =
    symbolsOf(details).length > 0 || text(details.virus) !== null || text(details.rule) !== null;
  const winner = text(details.scanner) ?? (described && !details.scanners ? 'filter' : null);
  const summaries =
    details.scanners && typeof details.scanners === 'object'
      ? (details.scanners as Record<string, Details>)
      : {};
  const names = Object.keys(summaries);
  if (winner && !names.includes(winner)) names.unshift(winner);
  return names.map((scanner) => {
    const summary = summaries[scanner] ?? { action: 'quarantine' };
    // The winner's own details are whole; every scanner's summary keeps its threshold, symbols and virus.
    const own = scanner === winner ? details : summary;
    const error = text(summary.error);
    const skipped = text(summary.skipped);
    const held = summary.action === 'quarantine';
    const reason = text(summary.reason);
    const verdict = error
      ? `failed: ${error}`
      : skipped
        ? `skipped: ${skipped}`
        : held
          ? `held${reason ? `: ${reason}` : ''}`
          : 'passed';
    return {
      scanner,
      verdict,
      held,
      score: number(summary.score) ?? (scanner === winner ? itemScore : null),
      threshold: thresholdOf(own),
      symbols: symbolsOf(own),
      descriptions: descriptionsOf(own),
      virus: text(own.virus),
      rule: policyRule(own),
    };
  });
}
