import { Writable } from 'node:stream';
import libmime from 'libmime';
import { type MailsplitChunk, type MailsplitNode, Splitter } from 'mailsplit';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { AttachmentInfo, HeaderSummary } from '../core/types.js';

export interface MessageSummary {
  headers: HeaderSummary;
  attachments: AttachmentInfo[];
  parseProblems: string[];
}

const MAX_HEADER_VALUE = 4096;
const MAX_LISTED_ATTACHMENTS = 500;

function decodeHeader(raw: string, problems: string[], name: string): string | undefined {
  if (!raw) return undefined;
  let value = raw;
  try {
    value = libmime.decodeWords(raw);
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

function summariseRoot(node: MailsplitNode, problems: string[]): HeaderSummary {
  const pick = (name: string) => decodeHeader(node.headers.getFirst(name), problems, name);
  const headers: HeaderSummary = {};
  const fields: [keyof HeaderSummary, string][] = [
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
  private headers: HeaderSummary = {};
  private readonly attachments: AttachmentInfo[] = [];
  private current: AttachmentInfo | null = null;
  private failed = false;
  private sawRoot = false;
  private readonly done: Promise<void>;

  constructor() {
    super();
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
      }
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
        } else if (this.attachments.length === MAX_LISTED_ATTACHMENTS) {
          this.problems.push(`more than ${MAX_LISTED_ATTACHMENTS} attachments; the rest are not listed`);
        }
      }
    } else if (part.type === 'body' && this.current) {
      this.current.size += part.value.length;
    }
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
    return { headers: this.headers, attachments: this.attachments, parseProblems: this.problems };
  }
}
