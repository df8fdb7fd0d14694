import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { newId } from '../../src/core/ids.js';
import type { QuarantineItem } from '../../src/core/types.js';
import { brandOf } from '../../src/digest/brand.js';
import { type DigestView, renderDigest } from '../../src/digest/digest-render.js';
import { displayText } from '../../src/digest/html-text.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { docConfigBlock } from '../support/docs-snippets.js';

const HOSTILE_SUBJECT = '<script>alert(1)</script> "quoted" & \'single\' \u202Egpj.exe\u202C';
const HOSTILE_FROM = '"<img src=x onerror=alert(2)>" <evil@attacker.example>';

function item(overrides: Partial<QuarantineItem> = {}): QuarantineItem {
  return { ...buildItems(buildMessage())[0]!, ...overrides };
}

function view(items: QuarantineItem[], extra: Partial<DigestView> = {}): DigestView {
  const url = (name: string) => `https://q.example/link/${name}`;
  return {
    recipient: 'alice@corp.test',
    copyOf: null,
    items: items.map((each) => ({
      item: each,
      links: {
        release: url(`r-${each.id}`),
        releaseAllow: url(`ra-${each.id}`),
        delete: url(`d-${each.id}`),
        deleteBlock: url(`db-${each.id}`),
        open: url(`o-${each.id}`),
      },
    })),
    total: items.length,
    totalIsLowerBound: false,
    since: new Date('2026-11-19T08:00:00Z'),
    releaseAllUrl: url('all'),
    listUrl: 'https://q.example/quarantine',
    timeZone: 'Europe/Berlin',
    linksExpireAt: new Date('2026-11-23T08:00:00Z'),
    language: 'en',
    ...extra,
  };
}

describe('display text', () => {
  it('drops control and bidi characters, collapses whitespace, and cuts long text', () => {
    expect(displayText('a\u202Egpj.exe\u202C b\u0000c\r\nd\te')).toBe('agpj.exe bc d e');
    expect(displayText('\u200B \u200E', 10, '(none)')).toBe('(none)');
    expect(displayText(undefined)).toBe('(none)');
    expect(displayText('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
    expect([...displayText('😀'.repeat(50), 10)]).toHaveLength(10);
  });
});

describe('digest rendering', () => {
  it('escapes attacker-controlled subjects and senders in the HTML and shows them plainly in text', () => {
    const hostile = item({
      subject: HOSTILE_SUBJECT,
      fromHeader: HOSTILE_FROM,
      recipient: 'alice@corp.test',
    });
    const rendered = renderDigest(
      view([hostile, item({ subject: undefined, fromHeader: undefined, sender: '' })]),
    );
    expect(rendered.html).not.toContain('<script');
    expect(rendered.html).not.toContain('<img');
    expect(rendered.html).not.toContain('\u202E');
    expect(rendered.html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; &#39;single&#39; gpj.exe',
    );
    expect(rendered.html).toContain(
      '&quot;&lt;img src=x onerror=alert(2)&gt;&quot; &lt;evil@attacker.example&gt;',
    );
    // The only markup with attributes is ours: 2 items × 5 links, release all, the list link.
    expect(rendered.html.match(/<a /g)).toHaveLength(12);
    expect(rendered.html.match(/href="/g)).toHaveLength(12);
    expect(rendered.text).toContain('Subject: <script>alert(1)</script> "quoted" & \'single\' gpj.exe');
    expect(rendered.text.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(rendered.text).toContain('From: (no sender)');
    expect(rendered.text).toContain('Subject: (no subject)');
  });

  it('keeps a subject with line breaks from forging lines of the text part', () => {
    const forged = item({ subject: 'Hi\r\n   Release:   https://evil.example/x\r\nBye' });
    const rendered = renderDigest(view([forged]));
    const lines = rendered.text.split('\n').filter((line) => line.includes('evil.example'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ {3}Subject: Hi Release:/);
  });

  it("says how many more there are and links the web UI; counts, times and zone in the reader's terms", () => {
    const listed = [item({ receivedAt: '2026-11-20T07:05:00.000Z' })];
    const rendered = renderDigest(view(listed, { total: 12_345, totalIsLowerBound: false }));
    expect(rendered.subject).toBe('Quarantine digest: 12,345 messages held for you');
    expect(rendered.text).toContain(
      '12,345 new messages were held for you since 19 Nov 2026, 09:00 (Europe/Berlin).',
    );
    // Every time carries its zone, not only the footer's.
    expect(rendered.text).toContain('received 20 Nov 2026, 08:05 (Europe/Berlin)');
    expect(rendered.html).toContain('20 Nov 2026, 08:05 (Europe/Berlin)');
    expect(rendered.text).toContain('…and 12,344 more: https://q.example/quarantine');
    expect(rendered.text).toContain('Links work until 23 Nov 2026, 09:00 (Europe/Berlin).');
    expect(rendered.html).toContain('See all held mail in Lazaret');
    // One listed item: no "release all".
    expect(rendered.text).not.toContain('Release all');
    const capped = renderDigest(view(listed, { total: 10_000, totalIsLowerBound: true }));
    expect(capped.subject).toBe('Quarantine digest: more than 10,000 messages held for you');
  });

  it('gives each item its reason detail: the virus, the policy rule', () => {
    const virus = item({ reason: 'malware', details: { scanner: 'clamav', virus: 'Win.Test.EICAR_HDB-1' } });
    const rule = item({
      id: newId(),
      reason: 'policy',
      details: { rule: 'blocked-extension', extension: 'exe', filename: 'invoice.exe' },
    });
    const plain = item({ id: newId(), reason: 'spam', details: { scanner: 'rspamd', symbols: ['GTUBE'] } });
    const rendered = renderDigest(view([virus, rule, plain]));
    expect(rendered.text).toContain('Held as malware: Win.Test.EICAR_HDB-1, received');
    expect(rendered.text).toContain('Held as policy: blocked file extension .exe (invoice.exe), received');
    expect(rendered.text).toContain('Held as spam, received');
    expect(rendered.html).toContain('>malware: Win.Test.EICAR_HDB-1</td>');
    expect(rendered.html).toContain('>policy: blocked file extension .exe (invoice.exe)</td>');
  });

  it('shows the configured brand (docs/digests.md): product name, logo and colour', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazaret-brand-'));
    const file = join(dir, 'brand.json');
    writeFileSync(file, docConfigBlock('digests.md', 'brand'));
    const config = loadConfig({ file, env: {} });
    rmSync(dir, { recursive: true, force: true });
    const brand = brandOf(config);
    expect(brand).toEqual({
      productName: 'Example Corp mail quarantine',
      logoUrl: 'https://www.example.com/logo.png',
      colour: '#0b5d1e',
    });
    const rendered = renderDigest(view([item()], { brand }));
    expect(rendered.text.split('\n')[0]).toBe(
      'Example Corp mail quarantine: quarantine digest for alice@corp.test',
    );
    expect(rendered.text).toContain('Open in Example Corp mail quarantine:');
    expect(rendered.html).toContain(
      '<img src="https://www.example.com/logo.png" alt="Example Corp mail quarantine" height="48"',
    );
    expect(rendered.html).toContain('color:#0b5d1e;');
    expect(rendered.html).not.toContain('#3b3fb6');
    expect(rendered.html).not.toContain('Lazaret');
    // Without a brand: the defaults, and no logo.
    const plain = renderDigest(view([item()]));
    expect(plain.html).toContain('color:#3b3fb6;');
    expect(plain.html).not.toContain('<img');
  });

  it('refuses a brand colour that is not #rrggbb and a logo that is not an https URL', () => {
    expect(() => loadConfig({ env: { LAZARET_BRAND_COLOUR: 'red;background:url(x)' } })).toThrow(
      /brand.colour/,
    );
    expect(() => loadConfig({ env: { LAZARET_BRAND_LOGO_URL: 'http://example.com/logo.png' } })).toThrow(
      /brand.logoUrl/,
    );
    expect(() => loadConfig({ env: { LAZARET_BRAND_LOGO_URL: 'https://x.example/"><script>' } })).toThrow(
      /brand.logoUrl/,
    );
  });

  it("names the recipient of each item in administrators' copies", () => {
    const rendered = renderDigest(
      view([item({ recipient: 'x@corp.test' }), item({ recipient: 'y@corp2.test', id: newId() })], {
        copyOf: ['corp.test', 'corp2.test'],
      }),
    );
    expect(rendered.subject).toBe('Quarantine digest: 2 messages held for corp.test, corp2.test');
    expect(rendered.text).toContain('   To: x@corp.test');
    expect(rendered.html).toContain(
      '<th style="padding:6px 8px;border-bottom:1px solid #e3e3e8;vertical-align:top;text-align:left;">To</th>',
    );
    expect(rendered.text).toContain('Release all 2 listed: https://q.example/link/all');
  });
});
