import { escapeHtml } from '../core/escape-html.js';

export type PreviewPart = 'html' | 'text';

/**
 * The Content-Security-Policy of a preview document. Nothing may run and nothing may be fetched
 * except inline styles and data: images — and, once the viewer allowed remote content, images,
 * style sheets and fonts over http(s). `sandbox` with no allowances makes the document an opaque
 * origin without scripts, forms, popups or navigation of the parent, even when opened on its own.
 */
export function previewCsp(allowRemote: boolean): string {
  const remote = allowRemote ? ' http: https:' : '';
  return [
    "default-src 'none'",
    `img-src data:${remote}`,
    `style-src 'unsafe-inline'${remote}`,
    `font-src data:${remote}`,
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
    'sandbox',
  ].join('; ');
}

const BASE_STYLE = `
  html { color-scheme: light; }
  body { margin: 12px; font: 14px/1.5 system-ui, sans-serif; color: #1a1b1e; background: #fff; overflow-wrap: anywhere; }
  img { max-width: 100%; height: auto; }
  img[data-lazaret-blocked] { display: inline-block; min-width: 24px; min-height: 24px; background: repeating-linear-gradient(45deg, #eee 0 6px, #f8f8f8 6px 12px); outline: 1px dashed #aaa; }
  a[data-lazaret-href] { color: #1c5fb8; text-decoration: underline; cursor: help; }
  pre.lazaret-text { white-space: pre-wrap; font: 13px/1.5 ui-monospace, monospace; margin: 0; }
`;

/** A complete HTML document around an already sanitised body. */
export function previewDocument(body: string): string {
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    '<meta name="referrer" content="no-referrer">',
    '<meta http-equiv="x-dns-prefetch-control" content="off">',
    `<style>${BASE_STYLE}</style></head><body>`,
    body,
    '</body></html>',
  ].join('');
}

/** The plain text part as a preview body: escaped, wrapped, links shown as text only. */
export function textPreviewBody(text: string): string {
  return `<pre class="lazaret-text">${escapeHtml(text)}</pre>`;
}
