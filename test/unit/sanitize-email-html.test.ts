import { describe, expect, it } from 'vitest';
import { sanitizeEmailHtml } from '../../src/preview/sanitize-email-html.js';
import { HOSTILE_MAILS } from '../support/hostile-mails.js';

const ORIGIN = 'http://127.0.0.1:9';
const none = new Map<string, string>();
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Anything in the output that a browser would fetch or follow from ORIGIN. */
const LOADS_FROM_ORIGIN = new RegExp(
  `(src|srcset|href|background|action|formaction|poster|data)\\s*=\\s*"[^"]*${escapeRegExp('127.0.0.1:9')}|url\\([^)]*127\\.0\\.0\\.1:9|@import`,
  'i',
);

describe('sanitizeEmailHtml: the hostile corpus', () => {
  for (const mail of HOSTILE_MAILS) {
    it(`removes everything active from "${mail.name}"`, () => {
      const { html, blockedRemote } = sanitizeEmailHtml(mail.html(ORIGIN), {
        allowRemote: false,
        inlineImages: none,
      });
      expect(html).not.toMatch(
        /<(script|iframe|frame|object|embed|svg|form|input|button|meta|base|link|video|audio|source|picture)\b/i,
      );
      expect(html).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html).not.toMatch(/javascript:|vbscript:|data:text\/html/i);
      expect(html).not.toMatch(LOADS_FROM_ORIGIN);
      if (mail.remote) expect(blockedRemote).toBeGreaterThan(0);
    });
  }

  it('keeps remote images, backgrounds and imports once remote content is allowed, and nothing active', () => {
    const pixels = HOSTILE_MAILS.find((mail) => mail.name === 'tracking pixels')!;
    const css = HOSTILE_MAILS.find((mail) => mail.name === 'CSS url() and @import')!;
    const shown = sanitizeEmailHtml(pixels.html(ORIGIN) + css.html(ORIGIN), {
      allowRemote: true,
      inlineImages: none,
    });
    expect(shown.blockedRemote).toBe(0);
    expect(shown.html).toMatch(/<img [^>]*src="http:\/\/127\.0\.0\.1:9\/pixel\.gif\?u=victim"/);
    expect(shown.html).toContain('src="https://127.0.0.1:9/protocol-relative.gif"');
    expect(shown.html).toContain(`@import url("${ORIGIN}/import.css")`);
    expect(shown.html).toContain(`background="${ORIGIN}/table-bg.png"`);
    expect(shown.html).not.toContain('escaped.png');
    expect(shown.html).not.toMatch(/<script|\son[a-z]+=/i);
  });
});

describe('sanitizeEmailHtml: what it keeps', () => {
  it('keeps formatting, tables and inline styles', () => {
    const { html } = sanitizeEmailHtml(
      '<table width="600" cellpadding="4"><tr><td style="color: red; font-weight: bold" align="center"><b>Hi</b> <i>there</i></td></tr></table>',
      { allowRemote: false, inlineImages: none },
    );
    expect(html).toBe(
      '<table width="600" cellpadding="4"><tr><td align="center" style="color:red;font-weight:bold"><b>Hi</b> <i>there</i></td></tr></table>',
    );
  });

  it('turns links into text that shows the target but goes nowhere', () => {
    const { html } = sanitizeEmailHtml('<a href="https://bank.example/login" target="_blank">Your bank</a>', {
      allowRemote: false,
      inlineImages: none,
    });
    expect(html).toBe(
      '<a title="Link (not followed in the preview): https://bank.example/login" data-lazaret-href>Your bank</a>',
    );
  });

  it('shows embedded cid: images from the message itself, raster data: images, and no SVG data', () => {
    const inline = new Map([['logo@corp', 'data:image/png;base64,iVBORw0KGgo=']]);
    const { html, blockedRemote } = sanitizeEmailHtml(
      '<img src="cid:logo@corp" alt="logo"><img src="cid:missing@corp"><img src="data:image/gif;base64,R0lGOD"><img src="data:image/svg+xml;base64,PHN2Zz4=">',
      { allowRemote: false, inlineImages: inline },
    );
    expect(html).toBe(
      '<img alt="logo" src="data:image/png;base64,iVBORw0KGgo=" /><img /><img src="data:image/gif;base64,R0lGOD" /><img />',
    );
    expect(blockedRemote).toBe(0);
  });

  it('marks held-back remote images so the viewer sees where they were', () => {
    const { html, blockedRemote } = sanitizeEmailHtml('<img src="https://cdn.example/a.png" alt="A">', {
      allowRemote: false,
      inlineImages: none,
    });
    expect(html).toBe('<img alt="A" data-lazaret-blocked />');
    expect(blockedRemote).toBe(1);
  });

  it('drops the content of title, script and style-like elements instead of showing it as text', () => {
    const { html } = sanitizeEmailHtml('<title>Title</title><template><p>t</p></template><p>Body</p>', {
      allowRemote: false,
      inlineImages: none,
    });
    expect(html).toBe('<p>Body</p>');
  });
});
