import { describe, expect, it } from 'vitest';
import { filterStyleAttribute, filterStyleSheet } from '../../src/preview/css-filter.js';

const blocked = { allowRemote: false, inlineImages: new Map([['bg@x', 'data:image/png;base64,AA==']]) };
const allowed = { ...blocked, allowRemote: true };

describe('CSS filter', () => {
  it('removes remote url(), @import and image-set until remote content is allowed', () => {
    const css =
      "@import url(https://fonts.example/a.css); p { color: red; background: url('https://t.example/p.png') } div { background-image: image-set('https://t.example/x.png' 1x) }";
    const shut = filterStyleSheet(css, blocked);
    expect(shut.css).not.toMatch(/https?:|@import/);
    expect(shut.css).toContain('color: red');
    expect(shut.blockedRemote).toBe(3);
    const open = filterStyleSheet(css, allowed);
    expect(open.css).toContain('@import url(https://fonts.example/a.css)');
    expect(open.css).toContain('url("https://t.example/p.png")');
    expect(open.blockedRemote).toBe(0);
  });

  it('maps cid: to the embedded image and drops relative, file and script URLs', () => {
    const { css } = filterStyleAttribute(
      'background: url(cid:bg@x); border-image: url(/etc/passwd); list-style: url(javascript:alert(1)); color: blue',
      blocked,
    );
    expect(css).toBe('background:url("data:image/png;base64,AA==");border-image:none;color:blue');
  });

  it('drops declarations that use CSS escapes, expressions or bindings', () => {
    const { css } = filterStyleAttribute(
      'background: \\75 rl(https://x.example/a.png); width: expression(alert(1)); -moz-binding: url(x.xml#x); height: 4px',
      allowed,
    );
    expect(css).toBe('height:4px');
  });

  it('keeps @media and @font-face but drops unknown at-rules', () => {
    const { css } = filterStyleSheet(
      '@media (max-width: 600px) { p { color: red } } @namespace svg url(http://www.w3.org/2000/svg); @charset "utf-8"; @layer x;',
      blocked,
    );
    expect(css.trim()).toBe('@media (max-width: 600px) { p { color: red } }');
  });

  it('drops a whole sheet that hides an at-rule behind an escape', () => {
    expect(filterStyleSheet('p { color: red } @\\69mport "https://x.example/a.css";', allowed).css).toBe('');
  });

  it('drops CSS it cannot parse, counting its remote references', () => {
    const result = filterStyleSheet('p { color: red; background: url(https://x.example/a.png)', blocked);
    expect(result.css).toBe('');
    expect(result.blockedRemote).toBe(1);
  });
});
