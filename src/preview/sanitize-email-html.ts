import sanitizeHtml from 'sanitize-html';
import { classifyUrl, filterStyleAttribute, filterStyleSheet } from './css-filter.js';

export interface SanitizeOptions {
  /** Whether the viewer chose to load remote content (images, style sheets, fonts) for this message. */
  allowRemote: boolean;
  /** `cid:` id → data: URI of an embedded image. */
  inlineImages: ReadonlyMap<string, string>;
}

export interface SanitizedHtml {
  html: string;
  /** Remote references left out because remote content was not allowed. */
  blockedRemote: number;
}

/** Formatting elements only: nothing that runs code, loads a document, submits or navigates. */
const ALLOWED_TAGS = [
  ...['a', 'abbr', 'address', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption', 'center', 'cite'],
  ...['code', 'col', 'colgroup', 'dd', 'del', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure'],
  ...['font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p'],
  ...['pre', 'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'style', 'sub', 'sup', 'table'],
  ...['tbody', 'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'tt', 'u', 'ul', 'var', 'wbr'],
];

const LAYOUT_ATTRIBUTES = ['align', 'valign', 'width', 'height', 'bgcolor', 'border', 'dir', 'lang', 'title'];

const ALLOWED_ATTRIBUTES: sanitizeHtml.IOptions['allowedAttributes'] = {
  '*': [...LAYOUT_ATTRIBUTES, 'style', 'class', 'id'],
  a: ['title', 'data-lazaret-href'],
  img: ['src', 'alt', 'data-lazaret-blocked'],
  font: ['color', 'face', 'size'],
  table: ['cellpadding', 'cellspacing', 'background', 'data-lazaret-blocked'],
  td: ['colspan', 'rowspan', 'nowrap', 'background', 'data-lazaret-blocked'],
  th: ['colspan', 'rowspan', 'nowrap', 'background', 'data-lazaret-blocked'],
  col: ['span'],
  colgroup: ['span'],
  ol: ['start', 'type', 'reversed'],
  ul: ['type'],
  li: ['value'],
  time: ['datetime'],
};

/** Elements whose content is dropped with them, rather than kept as text. */
const NON_TEXT_TAGS = ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'xmp', 'template'];
const DROPPED_WITH_CONTENT = [...NON_TEXT_TAGS, 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet'];

/** What a link's title says instead of following it: the address for web and mail links, else only the scheme. */
export function linkTitle(href: string): string {
  const target = href.trim();
  if (/^(https?:|mailto:)/i.test(target)) return `Link (not followed in the preview): ${target}`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(target)?.[1];
  return scheme ? `Link to a ${scheme.toLowerCase()} address (not followed)` : 'Relative link (not followed)';
}

/**
 * Sanitises the HTML body of a held mail for the preview. Allow-list based (sanitize-html): no script,
 * event handler, form, frame, base, meta refresh or link survives; links lose their target (kept in the
 * title) so that a click can never reach the sender; remote images, backgrounds and CSS url()/@import
 * stay out unless the viewer allowed remote content, and `cid:` images become the embedded data.
 * The preview document's CSP and the iframe sandbox enforce the same again in the browser.
 */
export function sanitizeEmailHtml(html: string, options: SanitizeOptions): SanitizedHtml {
  let blockedRemote = 0;
  const cssOptions = { allowRemote: options.allowRemote, inlineImages: options.inlineImages };

  const styleAttribute = (attribs: sanitizeHtml.Attributes): sanitizeHtml.Attributes => {
    if (attribs.style === undefined) return attribs;
    const filtered = filterStyleAttribute(attribs.style, cssOptions);
    blockedRemote += filtered.blockedRemote;
    const { style: _dropped, ...rest } = attribs;
    return filtered.css ? { ...rest, style: filtered.css } : rest;
  };

  /** An image source that may be shown now, or undefined (counting remote ones held back). */
  const imageSource = (src: string | undefined): string | undefined => {
    if (!src) return undefined;
    const kind = classifyUrl(src);
    if (kind === 'data') return src;
    if (kind === 'cid') return options.inlineImages.get(src.trim().slice(4));
    if (kind === 'remote') {
      if (options.allowRemote) return src.trim().startsWith('//') ? `https:${src.trim()}` : src.trim();
      blockedRemote += 1;
    }
    return undefined;
  };

  const backgroundAttribute = (tagName: string, attribs: sanitizeHtml.Attributes) => {
    const withStyle = styleAttribute(attribs);
    if (withStyle.background === undefined) return { tagName, attribs: withStyle };
    const { background, ...rest } = withStyle;
    const source = imageSource(background);
    if (source) return { tagName, attribs: { ...rest, background: source } };
    return {
      tagName,
      attribs: classifyUrl(background) === 'remote' ? { ...rest, 'data-lazaret-blocked': '' } : rest,
    };
  };

  const sanitized = sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    // Only what the transforms below produce: data: images (raster) and, once allowed, http(s).
    allowedSchemes: [],
    allowedSchemesByTag: {
      img: ['data', 'http', 'https'],
      table: ['data', 'http', 'https'],
      td: ['data', 'http', 'https'],
      th: ['data', 'http', 'https'],
    },
    allowedSchemesAppliedToAttributes: ['src', 'background'],
    allowProtocolRelative: false,
    allowVulnerableTags: true,
    nonTextTags: DROPPED_WITH_CONTENT,
    parseStyleAttributes: false,
    transformTags: {
      '*': (tagName, attribs) => ({ tagName, attribs: styleAttribute(attribs) }),
      // Attributes on <style> (media, title, …) are not worth keeping, and a bare <style> is what the
      // style-sheet filter below looks for.
      style: () => ({ tagName: 'style', attribs: {} }),
      body: (_tagName, attribs) => ({ tagName: 'div', attribs: styleAttribute(attribs) }),
      a: (tagName, attribs) => {
        const { href, ...rest } = styleAttribute(attribs);
        if (!href) return { tagName, attribs: rest };
        return { tagName, attribs: { ...rest, title: linkTitle(href), 'data-lazaret-href': '' } };
      },
      img: (tagName, attribs) => {
        const { src, srcset: _srcset, ...rest } = styleAttribute(attribs);
        const source = imageSource(src);
        if (source) return { tagName, attribs: { ...rest, src: source } };
        const blocked = src !== undefined && classifyUrl(src) === 'remote';
        return { tagName, attribs: { ...rest, ...(blocked ? { 'data-lazaret-blocked': '' } : {}) } };
      },
      table: backgroundAttribute,
      td: backgroundAttribute,
      th: backgroundAttribute,
    },
  });

  // sanitize-html passes the text of an allowed <style> through untouched; filter it here. In its output a
  // literal "<style>" can only be a real element: text and attribute values come out escaped.
  const html2 = sanitized.replace(/<style>([\s\S]*?)<\/style>/g, (_match, css: string) => {
    const filtered = filterStyleSheet(css, cssOptions);
    blockedRemote += filtered.blockedRemote;
    return filtered.css.trim() ? `<style>${filtered.css.replace(/<\//g, '<\\/')}</style>` : '';
  });
  return { html: html2, blockedRemote };
}
