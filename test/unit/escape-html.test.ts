import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/core/escape-html.js';

describe('escapeHtml', () => {
  it.each([
    ['&', '&amp;'],
    ['<', '&lt;'],
    ['>', '&gt;'],
    ['"', '&quot;'],
    ["'", '&#39;'],
  ])('escapes %s', (char, entity) => {
    expect(escapeHtml(char)).toBe(entity);
    expect(escapeHtml(`a${char}b${char}${char}`)).toBe(`a${entity}b${entity}${entity}`);
  });

  it('escapes a whole tag and attribute break-out', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(escapeHtml(`" onerror="alert(1)`)).toBe('&quot; onerror=&quot;alert(1)');
  });

  it('escapes an ampersand of an entity again, so text stays text', () => {
    expect(escapeHtml('&lt;b&gt; &amp; &#39;')).toBe('&amp;lt;b&amp;gt; &amp;amp; &amp;#39;');
  });

  it('leaves other text alone, astral and combining characters included', () => {
    const text = 'Grüße 🎉 e\u0301 \u202E `backtick` =equals= /slash/';
    expect(escapeHtml(text)).toBe(text);
    expect(escapeHtml('')).toBe('');
  });

  it('writes numbers and booleans as text, null and undefined as nothing', () => {
    expect(escapeHtml(0)).toBe('0');
    expect(escapeHtml(1234.5)).toBe('1234.5');
    expect(escapeHtml(Number.NaN)).toBe('NaN');
    expect(escapeHtml(false)).toBe('false');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
  });
});
