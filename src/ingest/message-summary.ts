import { Writable } from 'node:stream';
import libmime from 'libmime';
import { type MailsplitChunk, type MailsplitNode, Splitter } from 'mailsplit';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { AttachmentInfo, HeaderSummary } from '../core/types.js';

/** A zip attachment's decoded bytes, kept only while the verdict pipeline runs (policy reads its file names). */
export interface ArchiveCapture {
  filename?: string;
  /** Null when the archive was larger than the capture limit. */
  data: Buffer | null;
  size: number;
}

export interface MessageSummary {
  headers: HeaderSummary;
  attachments: AttachmentInfo[];
  parseProblems: string[];
  /** Raw values of the top-level headers in SCANNER_HEADERS (lower-cased names), topmost first. */
  scannerHeaders: Record<string, string[]>;
  archives: ArchiveCapture[];
}

export interface SummaryOptions {
  /** Decoded zip attachments are kept for the policy scanner up to this many bytes in all; 0 keeps none. */
  captureArchivesUpTo?: number;
}

/** Top-level headers kept raw for scanners and import: upstream verdicts and delivery addresses. */
export const SCANNER_HEADERS = [
  'x-spam-flag',
  'x-spam-status',
  'x-spam-score',
  'x-rspamd-action',
  'x-rspamd-score',
  'x-virus-status',
  'authentication-results',
  'x-lazaret-digest',
  'delivered-to',
  'x-original-to',
  'to',
  'cc',
  'received',
] as const;

/**
 * The queue id in a Received header that Postfix wrote ("by host (Postfix) with ESMTP id 4Xb1Kz2QfN"),
 * or undefined. Applied to the topmost Received header, it names the message in the log of the
 * Postfix that handed it to Lazaret when XFORWARD did not say.
 */
export function postfixQueueId(received: string | undefined): string | undefined {
  return received ? /\bby \S+ \(Postfix\) with \S+ id ([0-9A-Za-z]+)\b/.exec(received)?.[1] : undefined;
}

const MAX_HEADER_VALUE = 4096;
// Encoded words are decoded only in this much of a header, so an encoded-word bomb costs bounded time.
const MAX_DECODED_HEADER_INPUT = 16 * 1024;
const MAX_LISTED_ATTACHMENTS = 500;
const MAX_SCANNER_HEADER_VALUES = 20;
const MAX_ARCHIVES = 20;

function decodeHeader(raw: string, problems: string[], name: string): string | undefined {
  if (!raw) return undefined;
  let value = raw;
  if (value.length > MAX_DECODED_HEADER_INPUT) {
    problems.push(`${name}: header longer than ${MAX_DECODED_HEADER_INPUT} characters, cut before decoding`);
    value = value.slice(0, MAX_DECODED_HEADER_INPUT);
  }
  try {
    value = libmime.decodeWords(value);
  } catch (error) {
    problems.push(`${name}: undecodable encoded words (${(error as Error).message})`);
  }
  value = value.replace(/\s+/g, ' ').trim();
  if (value.length > MAX_HEADER_VALUE) {
    problems.push(`${name}: longer than ${MAX_HEADER_VALUE} characters, cut`);
    value = value.slice(0, MAX_HEADER_VALUE);
  }
  return value;
}

function firstAddress(from: string | undefined): string | undefined {
  if (!from) return undefined;
  try {
    const address = addressparser(from, { flatten: true })[0]?.address;
    return address ? address.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

function isZip(contentType: string, filename: string | undefined): boolean {
  return (
    /^application\/(x-)?zip(-compressed)?$/.test(contentType) ||
    (filename ?? '').toLowerCase().endsWith('.zip')
  );
}

/** Decodes base64 as it streams past, carrying incomplete quads over to the next chunk. */
class Base64Accumulator {
  private rest = '';
  private readonly chunks: Buffer[] = [];
  size = 0;

  push(chunk: Buffer): void {
    const text = this.rest + chunk.toString('latin1').replace(/[^A-Za-z0-9+/]/g, '');
    const usable = text.length - (text.length % 4);
    this.rest = text.slice(usable);
    if (usable > 0) this.add(Buffer.from(text.slice(0, usable), 'base64'));
  }

  add(bytes: Buffer): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  finish(): Buffer {
    if (this.rest.length > 1) this.add(Buffer.from(this.rest, 'base64'));
    this.rest = '';
    return Buffer.concat(this.chunks);
  }
}

interface ArchiveInProgress {
  capture: ArchiveCapture;
  base64: boolean;
  decoder: Base64Accumulator;
}

function summariseRoot(node: MailsplitNode, problems: string[]): HeaderSummary {
  const pick = (name: string) => decodeHeader(node.headers.getFirst(name), problems, name);
  const headers: HeaderSummary = {};
  const fields: [Exclude<keyof HeaderSummary, 'authResults'>, string][] = [
    ['from', 'from'],
    ['to', 'to'],
    ['cc', 'cc'],
    ['subject', 'subject'],
    ['messageId', 'message-id'],
    ['date', 'date'],
  ];
  for (const [field, name] of fields) {
    const value = pick(name);
    if (value !== undefined) headers[field] = value;
  }
  const fromAddress = firstAddress(headers.from);
  if (fromAddress) headers.fromAddress = fromAddress;
  return headers;
}

/**
 * A sink that reads a message's MIME structure as it streams past: the top-level header summary and
 * the attachment list. It never fails and never stops the stream: a part it cannot parse is recorded
 * in `parseProblems` and the rest of the input is drained, because the raw bytes are kept regardless.
 */
export class SummaryCollector extends Writable {
  private readonly splitter = new Splitter({ maxHeadSize: 256 * 1024, maxChildNodes: 2000 });
  private readonly problems: string[] = [];
  private readonly scannerHeaders: Record<string, string[]> = {};
  private readonly archives: ArchiveCapture[] = [];
  private archive: ArchiveInProgress | null = null;
  private readonly captureArchivesUpTo: number;
  /** Bytes held by finished captures: the limit is for all archives of a message together. */
  private capturedBytes = 0;
  private headers: HeaderSummary = {};
  private readonly attachments: AttachmentInfo[] = [];
  private current: AttachmentInfo | null = null;
  private failed = false;
  private sawRoot = false;
  private readonly done: Promise<void>;

  constructor(options: SummaryOptions = {}) {
    super();
    this.captureArchivesUpTo = options.captureArchivesUpTo ?? 0;
    this.splitter.on('data', (part: MailsplitNode | MailsplitChunk) => this.onPart(part));
    this.done = new Promise((resolve) => {
      this.splitter.once('end', resolve);
      this.splitter.once('error', (error: Error) => {
        this.fail(error);
        resolve();
      });
    });
  }

  private pendingWrite: (() => void) | null = null;

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.problems.push(`MIME structure: ${error.message}`);
    this.releasePendingWrite();
  }

  private releasePendingWrite(): void {
    const pending = this.pendingWrite;
    this.pendingWrite = null;
    pending?.();
  }

  private onPart(part: MailsplitNode | MailsplitChunk): void {
    if (part.type === 'node') {
      if (part.root && !this.sawRoot) {
        this.sawRoot = true;
        this.headers = summariseRoot(part, this.problems);
        for (const name of SCANNER_HEADERS) {
          const values = part.headers.get(name).slice(0, MAX_SCANNER_HEADER_VALUES);
          // mailsplit's get() returns whole header lines: drop the name and unfold.
          const unfolded = values.map((line) =>
            line
              .replace(/^[^:]*:\s*/, '')
              .replace(/\r?\n[ \t]+/g, ' ')
              .trim()
              .slice(0, MAX_HEADER_VALUE),
          );
          if (unfolded.length > 0) this.scannerHeaders[name] = unfolded;
        }
      }
      this.finishArchive();
      this.current = null;
      const isAttachment = part.disposition === 'attachment' || (part.filename !== false && !part.multipart);
      if (isAttachment) {
        if (this.attachments.length < MAX_LISTED_ATTACHMENTS) {
          this.current = {
            ...(part.filename ? { filename: part.filename } : {}),
            contentType: part.contentType || 'application/octet-stream',
            size: 0,
          };
          this.attachments.push(this.current);
          this.startArchive(part, this.current);
        } else if (this.attachments.length === MAX_LISTED_ATTACHMENTS) {
          this.problems.push(`more than ${MAX_LISTED_ATTACHMENTS} attachments; the rest are not listed`);
        }
      }
    } else if (part.type === 'body' && this.current) {
      this.current.size += part.value.length;
      this.feedArchive(part.value);
    }
  }

  private startArchive(part: MailsplitNode, info: AttachmentInfo): void {
    if (this.captureArchivesUpTo <= 0 || !isZip(info.contentType, info.filename)) return;
    if (this.archives.length >= MAX_ARCHIVES) return;
    const capture: ArchiveCapture = {
      ...(info.filename ? { filename: info.filename } : {}),
      data: null,
      size: 0,
    };
    this.archives.push(capture);
    const encoding = String(part.encoding || '').toLowerCase();
    this.archive = { capture, base64: encoding === 'base64', decoder: new Base64Accumulator() };
  }

  private feedArchive(chunk: Buffer): void {
    const archive = this.archive;
    if (!archive) return;
    if (archive.base64) archive.decoder.push(chunk);
    else archive.decoder.add(chunk);
    if (this.capturedBytes + archive.decoder.size > this.captureArchivesUpTo) {
      // Too large to open: record the size seen so far and stop collecting its bytes.
      archive.capture.size = archive.decoder.size;
      this.archive = null;
    }
  }

  private finishArchive(): void {
    const archive = this.archive;
    if (!archive) return;
    this.archive = null;
    archive.capture.data = archive.decoder.finish();
    archive.capture.size = archive.capture.data.length;
    this.capturedBytes += archive.capture.size;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failed) {
      callback();
      return;
    }
    try {
      if (this.splitter.write(chunk)) {
        callback();
      } else {
        this.pendingWrite = () => callback();
        this.splitter.once('drain', () => this.releasePendingWrite());
      }
    } catch (error) {
      this.fail(error as Error);
      callback();
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.failed) this.splitter.end();
    else this.splitter.destroy();
    this.done.then(() => callback());
  }

  /** The summary; call after the stream has finished. */
  summary(): MessageSummary {
    if (!this.sawRoot && !this.failed) this.problems.push('no header block found');
    this.finishArchive();
    return {
      headers: this.headers,
      attachments: this.attachments,
      parseProblems: this.problems,
      scannerHeaders: this.scannerHeaders,
      archives: this.archives,
    };
  }
}
