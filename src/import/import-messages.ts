import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { Reason } from '../core/types.js';
import { type IngestDeps, ingestMessage, normaliseAddress } from '../ingest/ingest-message.js';
import { type MessageSummary, SummaryCollector } from '../ingest/message-summary.js';
import type { Verdict } from '../ingest/verdict.js';
import {
  countMessages,
  findSources,
  type ImportSource,
  readSource,
  type SourceMessage,
} from './mail-sources.js';

export interface ImportOptions {
  /** Recipients for every message; otherwise Delivered-To, X-Original-To, then To/Cc of each message. */
  to?: string[];
  /** Reason recorded when every message is held (no pipeline). */
  reason?: Reason;
  /** Messages ingested at the same time. */
  concurrency?: number;
  maxMessageSize: number;
  /** Called once the number of messages is known, and after each message. */
  onTotal?: (total: number) => void;
  onProgress?: (report: ImportReport) => void;
}

export interface ImportFailure {
  location: string;
  error: string;
}

export interface ImportReport {
  /** Messages looked at. */
  processed: number;
  /** Messages stored (at least one item). */
  imported: number;
  items: number;
  /** Messages whose every recipient already had an item for the same bytes (sha256): a re-run. */
  skipped: number;
  /** Messages the pipeline passed for every remaining recipient (import --scan): not stored. */
  clean: number;
  failed: ImportFailure[];
}

/** The address in canonical form, or null when it is not a valid mailbox. */
function validAddress(text: string | undefined): string | null {
  if (!text?.includes('@')) return null;
  try {
    return normaliseAddress(text);
  } catch {
    return null;
  }
}

function addresses(values: readonly string[] | undefined): string[] {
  const found: string[] = [];
  for (const value of values ?? []) {
    let entries: ReturnType<typeof addressparser> = [];
    try {
      entries = addressparser(value, { flatten: true });
    } catch {
      // an unparsable header gives no recipients
    }
    for (const entry of entries) {
      const address = validAddress(entry.address);
      if (address) found.push(address);
    }
  }
  return [...new Set(found)];
}

/** Recipients of an imported message: --to, else Delivered-To, else X-Original-To, else To and Cc. */
export function recipientsOf(summary: MessageSummary, to: readonly string[] | undefined): string[] {
  if (to && to.length > 0) return [...new Set(to.map(normaliseAddress))];
  const headers = summary.scannerHeaders;
  for (const candidates of [headers['delivered-to'], headers['x-original-to']]) {
    const found = addresses(candidates);
    if (found.length > 0) return found;
  }
  return addresses([...(headers.to ?? []), ...(headers.cc ?? [])]);
}

async function summarise(raw: Buffer): Promise<MessageSummary> {
  const collector = new SummaryCollector();
  await new Promise<void>((resolve, reject) => {
    collector.once('finish', resolve);
    collector.once('error', reject);
    collector.end(raw);
  });
  return collector.summary();
}

/** The envelope sender: the mbox separator's, else From's address; '' (null sender) when neither is a valid address. */
function senderOf(message: SourceMessage, summary: MessageSummary): string {
  return validAddress(message.mboxSender) ?? validAddress(summary.headers.fromAddress) ?? '';
}

/**
 * Loads .eml files, mbox files and Maildir folders through the ingest path (blob, summary, verdicts,
 * items), `concurrency` messages at a time. Resumable: a message whose bytes (sha256) already have
 * an item for a recipient is not imported again for that recipient.
 */
export async function importMessages(
  deps: IngestDeps,
  paths: readonly string[],
  options: ImportOptions,
): Promise<ImportReport> {
  const report: ImportReport = { processed: 0, imported: 0, items: 0, skipped: 0, clean: 0, failed: [] };
  const sources: ImportSource[] = [];
  for await (const source of findSources(paths)) sources.push(source);
  let total = 0;
  for (const source of sources) total += await countMessages(source);
  options.onTotal?.(total);

  const seen = new Set<string>();
  const fail = (location: string, error: unknown) => {
    report.failed.push({ location, error: error instanceof Error ? error.message : String(error) });
  };
  const importOne = async (message: SourceMessage, source: ImportSource): Promise<void> => {
    const summary = await summarise(message.raw);
    const recipients = recipientsOf(summary, options.to);
    if (recipients.length === 0)
      throw new Error('no recipient: give --to, or the message needs Delivered-To, X-Original-To, To or Cc');
    const sha256 = createHash('sha256').update(message.raw).digest('hex');
    // The same bytes twice in one run (duplicates in an mbox) are caught here, earlier runs by the store.
    const fresh = recipients.filter((recipient) => !seen.has(`${sha256} ${recipient}`));
    for (const recipient of fresh) seen.add(`${sha256} ${recipient}`);
    const done = await deps.items.findImportedRecipients(sha256, fresh);
    const remaining = fresh.filter((recipient) => !done.has(recipient));
    if (remaining.length === 0) {
      report.skipped += 1;
      return;
    }
    const verdict: Verdict = {
      action: 'quarantine',
      reason: options.reason ?? 'manual',
      score: null,
      details: { rule: 'import', source: source.path },
    };
    const result = await ingestMessage(deps, {
      body: Readable.from([message.raw]),
      envelope: { mailFrom: senderOf(message, summary), rcptTo: remaining },
      captureVerdict: verdict,
    });
    if (result.items.length > 0) {
      report.imported += 1;
      report.items += result.items.length;
    } else {
      report.clean += 1;
    }
  };

  const concurrency = Math.max(1, options.concurrency ?? 4);
  const running = new Set<Promise<void>>();
  for (const source of sources) {
    for await (const message of readSource(source, options.maxMessageSize, (location, error) => {
      fail(location, error);
      report.processed += 1;
      options.onProgress?.(report);
    })) {
      const work = importOne(message, source)
        .catch((error: unknown) => fail(message.location, error))
        .finally(() => {
          report.processed += 1;
          running.delete(work);
          options.onProgress?.(report);
        });
      running.add(work);
      if (running.size >= concurrency) await Promise.race(running);
    }
  }
  await Promise.all(running);
  return report;
}
