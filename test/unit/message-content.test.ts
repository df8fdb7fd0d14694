import { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTENT_LIMITS, readMessageContent } from '../../src/preview/message-content.js';
import { renderPreview } from '../../src/preview/message-preview.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const compose = (options: ConstructorParameters<typeof MailComposer>[0]) =>
  new MailComposer(options).compile().build();

describe('readMessageContent', () => {
  it('reads header lines, both parts and embedded images, leaving other attachments out', async () => {
    const raw = await compose({
      from: 'Alice <alice@sender.test>',
      to: 'bob@corp.test',
      subject: 'A long subject that the composer may fold over more than one line because it goes on and on',
      headers: { 'X-Spam-Status': 'Yes, score=9.1' },
      text: 'Plain ünïcode',
      html: '<p>Logo: <img src="cid:logo@corp"></p>',
      attachments: [
        { filename: 'logo.png', content: PNG, cid: 'logo@corp', contentType: 'image/png' },
        { filename: 'big.bin', content: Buffer.alloc(100_000, 1) },
      ],
    });
    const content = await readMessageContent(Readable.from(raw));
    expect(content.text?.trim()).toBe('Plain ünïcode');
    expect(content.html).toContain('<img src="cid:logo@corp">');
    expect([...content.inlineImages.keys()]).toEqual(['logo@corp']);
    expect(content.inlineImages.get('logo@corp')).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
    expect(content.headerLines.find((line) => line.name === 'Subject')?.value).toBe(
      'A long subject that the composer may fold over more than one line because it goes on and on',
    );
    expect(content.headerLines.find((line) => line.name === 'X-Spam-Status')?.value).toBe('Yes, score=9.1');
    expect(content.problems).toEqual([]);

    const preview = renderPreview(content, 'html', false);
    expect(preview.part).toBe('html');
    expect(preview.document).toContain(`src="data:image/png;base64,${PNG.toString('base64')}"`);
  });

  it('cuts parts and images over the limits and says so', async () => {
    const raw = await compose({
      from: 'a@sender.test',
      to: 'b@corp.test',
      text: 'x'.repeat(5000),
      html: '<img src="cid:big@corp">',
      attachments: [
        { filename: 'big.png', content: Buffer.alloc(3000, 1), cid: 'big@corp', contentType: 'image/png' },
      ],
    });
    const content = await readMessageContent(Readable.from(raw), {
      ...DEFAULT_CONTENT_LIMITS,
      maxPartChars: 1000,
      maxInlineImageBytes: 2000,
    });
    expect(content.text).toHaveLength(1000);
    expect(content.inlineImages.size).toBe(0);
    expect(content.problems).toEqual([
      'embedded image big@corp is too large to show',
      'the text part is longer than 1000 characters; only the beginning is shown',
    ]);
  });

  it('falls back to the text part, and says when there is nothing to show', async () => {
    const textOnly = await readMessageContent(
      Readable.from(await compose({ from: 'a@x.test', to: 'b@y.test', text: '<b>not html</b>' })),
    );
    const rendered = renderPreview(textOnly, 'html', false);
    expect(rendered.part).toBe('text');
    expect(rendered.document).toContain('<pre class="lazaret-text">&lt;b&gt;not html&lt;/b&gt;');

    const empty = await readMessageContent(Readable.from(Buffer.from('Subject: nothing\r\n\r\n')));
    expect(renderPreview(empty, 'html', false).part).toBe('none');
  });

  it('survives malformed MIME', async () => {
    const raw = Buffer.from(
      'Content-Type: multipart/mixed; boundary="b"\r\nSubject: broken\r\n\r\n--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64<script>\r\n',
    );
    const content = await readMessageContent(Readable.from(raw));
    expect(content.headerLines.map((line) => line.name)).toEqual(['Content-Type', 'Subject']);
    expect(renderPreview(content, 'html', false).document).not.toContain('<script');
  });
});
