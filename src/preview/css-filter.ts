import postcss, { type Root } from 'postcss';

export interface CssFilterOptions {
  /** Whether the viewer chose to load remote content for this message. */
  allowRemote: boolean;
  /** `cid:` id → data: URI of an embedded image. */
  inlineImages: ReadonlyMap<string, string>;
}

export interface CssFilterResult {
  css: string;
  /** Remote references (url(), @import, image-set) that were removed. */
  blockedRemote: number;
}

const URL_FUNCTION = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*?))\s*\)/gi;
// Old IE and Firefox ways to run code from CSS; harmless in Chromium, removed anyway.
const ACTIVE_CSS = /expression\s*\(|javascript:|vbscript:|-moz-binding|behavior\s*:/i;

const KEPT_AT_RULES = new Set(['media', 'supports', 'font-face', 'keyframes', '-webkit-keyframes', 'page']);

type UrlKind = 'data' | 'remote' | 'cid' | 'other';

export function classifyUrl(url: string): UrlKind {
  const value = url.trim().toLowerCase();
  if (value.startsWith('data:image/') && !value.startsWith('data:image/svg')) return 'data';
  if (value.startsWith('cid:')) return 'cid';
  if (/^(https?:)?\/\//.test(value)) return 'remote';
  return 'other';
}

/**
 * Rewrites one `url(...)`: remote targets stay only when the viewer allowed remote content, `cid:`
 * targets become the embedded image, everything else (relative paths, javascript:, file:) goes.
 */
function rewriteUrls(value: string, options: CssFilterOptions, counter: { blocked: number }): string {
  return value.replace(URL_FUNCTION, (_match, double?: string, single?: string, bare?: string) => {
    const url = (double ?? single ?? bare ?? '').trim();
    const kind = classifyUrl(url);
    if (kind === 'data') return `url("${url.replace(/"/g, '%22')}")`;
    if (kind === 'cid') {
      const inline = options.inlineImages.get(url.slice(4));
      return inline ? `url("${inline}")` : 'none';
    }
    if (kind === 'remote') {
      if (options.allowRemote) return `url("${url.replace(/"/g, '%22')}")`;
      counter.blocked += 1;
    }
    return 'none';
  });
}

function filterRoot(root: Root, options: CssFilterOptions, counter: { blocked: number }): void {
  root.walkAtRules((rule) => {
    const name = rule.name.toLowerCase();
    if (name === 'import') {
      // An imported sheet is remote content; it stays out unless the viewer asked for it.
      const target = rule.params.replace(/^url\(\s*|\s*\)$/gi, '').replace(/^["']|["']$/g, '');
      if (options.allowRemote && classifyUrl(target) === 'remote') return;
      if (classifyUrl(target) === 'remote') counter.blocked += 1;
      rule.remove();
      return;
    }
    if (!KEPT_AT_RULES.has(name)) rule.remove();
  });
  root.walkDecls((decl) => {
    // A CSS escape can spell url( or @import in a way no pattern here would see.
    if (ACTIVE_CSS.test(decl.prop) || ACTIVE_CSS.test(decl.value) || decl.value.includes('\\')) {
      decl.remove();
      return;
    }
    if (/image-set\(/i.test(decl.value) && !options.allowRemote) {
      // image-set() takes bare strings as URLs too; not worth parsing, drop the declaration.
      counter.blocked += 1;
      decl.remove();
      return;
    }
    if (/url\(/i.test(decl.value)) decl.value = rewriteUrls(decl.value, options, counter);
  });
}

/** Filters a style sheet (the text of a `<style>` element). Unparseable CSS is dropped whole. */
export function filterStyleSheet(css: string, options: CssFilterOptions): CssFilterResult {
  const counter = { blocked: 0 };
  try {
    const root = postcss.parse(css);
    filterRoot(root, options, counter);
    return { css: root.toString(), blockedRemote: counter.blocked };
  } catch {
    const remote = (css.match(URL_FUNCTION) ?? []).length + (css.match(/@import/gi) ?? []).length;
    return { css: '', blockedRemote: options.allowRemote ? 0 : remote };
  }
}

/** Filters the declarations of a `style` attribute. */
export function filterStyleAttribute(style: string, options: CssFilterOptions): CssFilterResult {
  const counter = { blocked: 0 };
  try {
    const root = postcss.parse(`x{${style}}`);
    if (root.nodes.length !== 1 || root.first?.type !== 'rule') return { css: '', blockedRemote: 0 };
    filterRoot(root, options, counter);
    const rule = root.first;
    const declarations: string[] = [];
    rule.each((node) => {
      if (node.type === 'decl')
        declarations.push(`${node.prop}:${node.value}${node.important ? ' !important' : ''}`);
    });
    return { css: declarations.join(';'), blockedRemote: counter.blocked };
  } catch {
    return { css: '', blockedRemote: 0 };
  }
}
