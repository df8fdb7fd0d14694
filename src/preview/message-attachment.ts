import { PassThrough, type Readable } from 'node:stream';
import { type AttachmentStream, MailParser, type MessageText } from 'mailparser';

export interface OpenedAttachment {
  filename?: string;
  contentType: string;
  /** The decoded content; the raw message is read only as far as this part. */
  content: Readable;
}

/**
 * The same parts the message summary lists as attachments (ingest/message-summary.ts): a part with
 * `Content-Disposition: attachment` or with a file name.
 */
const listed = (part: AttachmentStream) =>
  part.contentDisposition === 'attachment' || part.filename !== undefined;

/**
 * Finds the `index`-th listed attachment of a raw message and streams its decoded content. Resolves
 * null when the message has no such part. The parser stops once that part has been read.
 */
export function openAttachment(raw: Readable, index: number): Promise<OpenedAttachment | null> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
    let seen = 0;
    let settled = false;
    const stop = () => {
      raw.unpipe(parser);
      raw.destroy();
      parser.destroy();
    };
    parser.on('data', (part: AttachmentStream | MessageText) => {
      if (part.type === 'text') return;
      if (settled || !listed(part) || seen++ !== index) {
        part.content.on('end', () => part.release?.());
        part.content.resume();
        return;
      }
      settled = true;
      const content = new PassThrough();
      part.content.on('error', (error) => content.destroy(error));
      part.content.on('end', () => {
        part.release?.();
        stop();
      });
      part.content.pipe(content);
      resolve({
        ...(part.filename === undefined ? {} : { filename: part.filename }),
        contentType: part.contentType,
        content,
      });
    });
    parser.on('end', () => {
      if (!settled) resolve(null);
    });
    parser.on('error', (error: Error) => {
      if (!settled) reject(error);
    });
    raw.on('error', (error) => {
      if (!settled) reject(error);
    });
    raw.pipe(parser);
  });
}
