import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type AttachmentStream, MailParser, type MessageText } from 'mailparser';

/** A header line as it appeared in the message, unfolded. */
export interface HeaderLine {
  name: string;
  value: string;
}

/** What a preview needs from a message: its header lines, its readable parts and its embedded images. */
export interface MessageContent {
  headerLines: HeaderLine[];
  html?: string;
  text?: string;
  /** `cid:` id (without angle brackets) → `data:` URI of a small embedded image. */
  inlineImages: Map<string, string>;
  /** Parts that were cut or left out, for the viewer to know. */
  problems: string[];
}

export interface ContentLimits {
  /** Longest HTML or text part kept, in characters; the rest is cut. */
  maxPartChars: number;
  /** Largest embedded image turned into a data: URI, in bytes. */
  maxInlineImageBytes: number;
  /** Total bytes of embedded images kept. */
  maxInlineImagesTotal: number;
}

export const DEFAULT_CONTENT_LIMITS: ContentLimits = {
  maxPartChars: 2 * 1024 * 1024,
  maxInlineImageBytes: 1024 * 1024,
  maxInlineImagesTotal: 5 * 1024 * 1024,
};

// Raster formats only: an SVG is a document with its own scripting surface, never worth the risk.
const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

async function collect(attachment: AttachmentStream, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of attachment.content) {
    size += (chunk as Buffer).length;
    if (size <= maxBytes) chunks.push(chunk as Buffer);
  }
  return size <= maxBytes ? Buffer.concat(chunks) : null;
}

function cut(value: string | undefined, limit: number, name: string, problems: string[]): string | undefined {
  if (value === undefined || value.length <= limit) return value;
  problems.push(`the ${name} part is longer than ${limit} characters; only the beginning is shown`);
  return value.slice(0, limit);
}

/** Parses a raw message (streamed, never buffered whole) into what the preview shows. */
export async function readMessageContent(
  raw: Readable,
  limits: ContentLimits = DEFAULT_CONTENT_LIMITS,
): Promise<MessageContent> {
  const parser = new MailParser({ skipTextToHtml: true, skipHtmlToText: true, skipImageLinks: true });
  const inlineImages = new Map<string, string>();
  const problems: string[] = [];
  let inlineTotal = 0;
  let text: MessageText | undefined;
  const attachments: Promise<void>[] = [];

  parser.on('data', (part: AttachmentStream | MessageText) => {
    if (part.type === 'text') {
      text = part;
      return;
    }
    const wanted = part.cid !== undefined && INLINE_IMAGE_TYPES.has(part.contentType.toLowerCase());
    attachments.push(
      (async () => {
        try {
          if (!wanted) {
            part.content.resume();
            await new Promise((resolve) => part.content.once('end', resolve));
            return;
          }
          const bytes = await collect(part, limits.maxInlineImageBytes);
          if (bytes === null || inlineTotal + bytes.length > limits.maxInlineImagesTotal) {
            problems.push(`embedded image ${part.cid} is too large to show`);
            return;
          }
          inlineTotal += bytes.length;
          inlineImages.set(
            part.cid!,
            `data:${part.contentType.toLowerCase()};base64,${bytes.toString('base64')}`,
          );
        } finally {
          part.release?.();
        }
      })(),
    );
  });

  await pipeline(raw, parser);
  await Promise.all(attachments);
  const headerLines = (parser.headerLines || []).map(({ line }) => {
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1);
    return { name: name.trim(), value: value.replace(/\r?\n[ \t]+/g, ' ').trim() };
  });
  const html = cut(
    typeof text?.html === 'string' ? text.html : undefined,
    limits.maxPartChars,
    'HTML',
    problems,
  );
  const plain = cut(text?.text, limits.maxPartChars, 'text', problems);
  return {
    headerLines,
    ...(html === undefined ? {} : { html }),
    ...(plain === undefined ? {} : { text: plain }),
    inlineImages,
    problems,
  };
}
