import type { Readable } from 'node:stream';
import type { ScannerName } from '../../config/load-config.js';
import type { Envelope } from '../../core/types.js';
import type { MessageSummary } from '../message-summary.js';
import type { Verdict } from '../verdict.js';

/** What every scanner sees of one message. */
export interface ScanInput {
  messageId: string;
  envelope: Envelope;
  /** Lower-cased, unique envelope recipients. */
  recipients: readonly string[];
  /** Lower-cased envelope sender ('' for the null sender). */
  sender: string;
  size: number;
  summary: MessageSummary;
  /** The original SMTP client's address (XFORWARD's when the peer sent it); absent for imported mail. */
  remoteAddress?: string;
  /** The SMTP client that handed the message to Lazaret (Postfix), when XFORWARD named another one. */
  peerAddress?: string;
  heloName?: string;
  /** A fresh stream of the raw bytes exactly as stored; each call opens a new one. */
  openRaw(): Promise<Readable>;
  /** Aborted when the scanner's time is up: close sockets and stop. */
  signal: AbortSignal;
}

/** A scanner's answer: one verdict for every recipient, optionally refined per recipient. */
export interface ScanOutcome {
  verdict: Verdict;
  /** Verdicts for particular (lower-cased) recipients that replace `verdict` for them. */
  perRecipient?: ReadonlyMap<string, Verdict>;
  /** Recipients whose allow list admits the sender: spam and bulk verdicts do not hold their copy. */
  allowedFor?: ReadonlySet<string>;
}

/**
 * One step of the verdict pipeline (src/ingest/verdict-pipeline.ts). A scanner never decides what
 * happens on its own failure: it rejects, and the pipeline applies `scanners.onError`.
 */
export interface Scanner {
  readonly name: ScannerName;
  readonly timeoutMs: number;
  scan(input: ScanInput): Promise<ScanOutcome>;
  /**
   * Asks the scanner's daemon whether it answers (clamd and spamd PING, rspamd /ping) and resolves
   * with its reply; rejects when it does not. Built-in scanners have no daemon and no ping.
   */
  ping?(signal: AbortSignal): Promise<string>;
}

export function passVerdict(details: Record<string, unknown> = {}): Verdict {
  return { action: 'pass', reason: 'spam', score: null, details };
}

export function pass(details: Record<string, unknown> = {}): ScanOutcome {
  return { verdict: passVerdict(details) };
}
