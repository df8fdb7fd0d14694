import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { headerText } from '../core/header-text.js';
import type { RenderedDigest } from './digest-render.js';

/** The header that marks a digest as Lazaret's own (see LinkSigner.sealDigest). */
export const DIGEST_HEADER = 'X-Lazaret-Digest';

export interface DigestMail {
  from: string;
  to: string;
  rendered: RenderedDigest;
  /** Deterministic per user and period, so a downstream that deduplicates sees the same id. */
  messageId: string;
  date: Date;
  seal: string;
}

/** The digest as an RFC 5322 message: multipart/alternative, plain text and HTML. */
export async function composeDigest(mail: DigestMail): Promise<Buffer> {
  const composer = new MailComposer({
    from: { name: 'Lazaret', address: mail.from },
    to: mail.to,
    // headerText: printable ASCII only, whatever a digest's subject is built from (domain names).
    subject: headerText(mail.rendered.subject),
    text: mail.rendered.text,
    html: mail.rendered.html,
    messageId: mail.messageId,
    date: mail.date,
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      [DIGEST_HEADER]: mail.seal,
    },
  });
  return composer.compile().build();
}
