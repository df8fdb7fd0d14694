import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IntlMessageFormat } from 'intl-messageformat';
import { parseSync } from 'oxc-parser';
import { LANGUAGE_NAMES, LANGUAGES } from '../src/core/languages.js';
import { DIGEST_CATALOGUES } from '../src/digest/digest-i18n.js';
import { CATALOGUES as WEB_CATALOGUES } from '../web/src/i18n/catalogues.js';

/**
 * The checks behind `npm run i18n:check` and test/unit/i18n-catalogues.test.ts: every catalogue has
 * exactly the English keys, every message is valid ICU MessageFormat with the English arguments, every
 * key the web UI looks up exists, and no visible string in web/src bypasses the catalogue.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WEB_SOURCE = join(ROOT, 'web/src');

type Tree = { [key: string]: string | Tree };

/** Every message of a catalogue by its dotted key. */
export function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [inner, message] of flatten(value, path)) out.set(inner, message);
  }
  return out;
}

/** The argument names a message uses (plural, select, number … and plain `{name}`). */
export function argumentsOf(message: string, language: string): Set<string> {
  const names = new Set<string>();
  const walk = (elements: unknown[]) => {
    for (const element of elements as {
      value?: unknown;
      options?: Record<string, { value: unknown[] }>;
      children?: unknown[];
    }[]) {
      if (typeof element.value === 'string' && 'type' in element && (element as { type: number }).type !== 0)
        names.add(element.value);
      for (const option of Object.values(element.options ?? {})) walk(option.value);
      if (element.children) walk(element.children);
    }
  };
  walk(new IntlMessageFormat(message, language, undefined, { ignoreTag: true }).getAst());
  return names;
}

/** What is wrong with one set of catalogues (`name`: web or digest), as readable lines. */
export function catalogueProblems(name: string, catalogues: Record<string, Tree>): string[] {
  const problems: string[] = [];
  const english = flatten(catalogues.en!);
  for (const language of LANGUAGES) {
    const messages = flatten(catalogues[language]!);
    for (const key of english.keys())
      if (!messages.has(key)) problems.push(`${name} ${language}: missing ${key}`);
    for (const key of messages.keys())
      if (!english.has(key)) problems.push(`${name} ${language}: ${key} is not in en`);
    for (const [key, message] of messages) {
      if (/'[{}#|]/.test(message))
        problems.push(`${name} ${language}: ${key} has ' before a syntax character (ICU quoting); write ’`);
      if (message.trim() === '') {
        problems.push(`${name} ${language}: ${key} is empty`);
        continue;
      }
      let used: Set<string>;
      try {
        used = argumentsOf(message, language);
      } catch (error) {
        problems.push(`${name} ${language}: ${key} is not ICU MessageFormat (${(error as Error).message})`);
        continue;
      }
      const source = english.get(key);
      if (source === undefined || language === 'en') continue;
      const expected = argumentsOf(source, 'en');
      const differ = [...expected]
        .filter((arg) => !used.has(arg))
        .concat([...used].filter((arg) => !expected.has(arg)));
      if (differ.length > 0)
        problems.push(
          `${name} ${language}: ${key} has arguments {${[...used].join(', ')}}, en has {${[...expected].join(', ')}}`,
        );
    }
  }
  return problems;
}

/** Props and object keys whose string values people read. */
const VISIBLE_NAMES = new Set([
  'title',
  'label',
  'placeholder',
  'aria-label',
  'aria-description',
  'alt',
  'description',
  'message',
  'error',
  'inheritLabel',
  'emptyLabel',
  'confirmLabel',
  'nothingFoundMessage',
]);

/** Strings that are the same in every language. */
const UNTRANSLATED_OK = new Set(['Lazaret', ...Object.values(LANGUAGE_NAMES)]);

const hasWords = (text: string) => /\p{L}{2,}/u.test(text) && !UNTRANSLATED_OK.has(text.trim());

export interface Finding {
  file: string;
  line: number;
  text: string;
}

type Node = { type: string; start: number; [key: string]: unknown };
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'i18n' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Visible text in web/src that is not a catalogue lookup: JSX text, string values of title, label,
 * placeholder, aria-label (and the like) props and object keys — notifications included — and
 * strings rendered as JSX children.
 */
export function untranslatedStrings(dir = WEB_SOURCE): Finding[] {
  const findings: Finding[] = [];
  for (const path of sourceFiles(dir)) {
    const source = readFileSync(path, 'utf8');
    const parsed = parseSync(path, source);
    if (parsed.errors.length > 0)
      throw new Error(`${path}: ${parsed.errors.map((error) => error.message).join('; ')}`);
    const report = (node: Node, text: string) =>
      findings.push({
        file: relative(ROOT, path),
        line: source.slice(0, node.start).split('\n').length,
        text: text.trim().replace(/\s+/g, ' '),
      });
    /** Strings an expression shows as it is (not those passed to a function such as t). */
    const visible = (node: unknown): void => {
      if (!isNode(node)) return;
      switch (node.type) {
        case 'Literal':
          if (typeof node.value === 'string' && hasWords(node.value)) report(node, node.value);
          return;
        case 'TemplateLiteral': {
          const text = (node.quasis as { value: { cooked: string } }[])
            .map((quasi) => quasi.value.cooked)
            .join('…');
          if (hasWords(text)) report(node, text);
          return;
        }
        case 'ConditionalExpression':
          visible(node.consequent);
          visible(node.alternate);
          return;
        case 'LogicalExpression':
          // `a && b` shows b; `a || b` and `a ?? b` show either.
          if (node.operator !== '&&') visible(node.left);
          visible(node.right);
          return;
        case 'BinaryExpression':
          if (node.operator === '+') {
            visible(node.left);
            visible(node.right);
          }
          return;
        case 'ParenthesizedExpression':
        case 'TSAsExpression':
        case 'TSSatisfiesExpression':
        case 'JSXExpressionContainer':
          visible(node.expression);
          return;
        default:
          return;
      }
    };
    const walk = (node: unknown, parent: Node | null): void => {
      if (Array.isArray(node)) {
        for (const child of node) walk(child, parent);
        return;
      }
      if (!isNode(node)) return;
      if (node.type === 'JSXText' && hasWords(node.value as string)) report(node, node.value as string);
      if (
        node.type === 'JSXExpressionContainer' &&
        (parent?.type === 'JSXElement' || parent?.type === 'JSXFragment')
      )
        visible(node.expression);
      if (node.type === 'JSXAttribute') {
        const name = (node.name as { name?: string }).name;
        if (name !== undefined && VISIBLE_NAMES.has(name)) visible(node.value);
      }
      if (node.type === 'Property') {
        const key = node.key as { name?: string; value?: unknown };
        const name =
          typeof key.name === 'string' ? key.name : typeof key.value === 'string' ? key.value : undefined;
        if (name !== undefined && VISIBLE_NAMES.has(name) && !node.computed) visible(node.value);
      }
      for (const [field, value] of Object.entries(node)) {
        if (field !== 'type' && field !== 'start' && field !== 'end' && typeof value === 'object')
          walk(value, node);
      }
    };
    walk(parsed.program, null);
  }
  return findings;
}

/** Keys looked up with a literal (t('…'), i18n.t('…'), <Trans i18nKey="…">) in web/src. */
export function usedKeys(dir = WEB_SOURCE): Finding[] {
  const used: Finding[] = [];
  for (const path of sourceFiles(dir)) {
    const source = readFileSync(path, 'utf8');
    for (const match of source.matchAll(/\bt\(\s*(['"])([\w.-]+)\1|i18nKey=(['"])([\w.-]+)\3/g)) {
      used.push({
        file: relative(ROOT, path),
        line: source.slice(0, match.index).split('\n').length,
        text: match[2] ?? match[4]!,
      });
    }
  }
  return used;
}

/** Everything `npm run i18n:check` reports; empty when all is well. */
export function i18nProblems(): string[] {
  const english = flatten(WEB_CATALOGUES.en as Tree);
  return [
    ...catalogueProblems('web', WEB_CATALOGUES as unknown as Record<string, Tree>),
    ...catalogueProblems('digest', DIGEST_CATALOGUES as unknown as Record<string, Tree>),
    ...usedKeys()
      .filter((use) => !english.has(use.text))
      .map((use) => `${use.file}:${use.line}: key ${use.text} is not in web/src/i18n/en.ts`),
    ...untranslatedStrings().map(
      (finding) => `${finding.file}:${finding.line}: "${finding.text}" is shown without the catalogue`,
    ),
  ];
}

/** A message's literal text: its ICU arguments and plural/select bodies cut out, as fragments. */
function literalFragments(message: string): string[] {
  const fragments: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of message) {
    if (char === '{') {
      if (depth === 0) {
        fragments.push(current);
        current = '';
      }
      depth += 1;
    } else if (char === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0) current += char;
  }
  fragments.push(current);
  return fragments.map((each) => each.trim()).filter(Boolean);
}

/**
 * English left in text shown in `language`: the literal parts of the English messages (phrases, and
 * single words of four letters or more as words of their own) that `shown` contains although
 * `language`'s catalogue does not say them too ("Message-ID", "HTML" are the same in every language).
 */
export function englishLeftovers(
  shown: string,
  catalogues: Record<string, Tree>,
  language: string,
): string[] {
  const own = [...flatten(catalogues[language]!).values()].join('\n');
  const text = shown.replace(/\s+/g, ' ');
  const found = new Set<string>();
  for (const message of flatten(catalogues.en!).values()) {
    const fragments = literalFragments(message);
    for (const fragment of fragments) {
      const clean = fragment.replace(/\s+/g, ' ').replace(/^[\s,.:;·—–?-]+|[\s,.:;·—–?-]+$/g, '');
      if (!/\p{L}/u.test(clean)) continue;
      if (clean.includes(' ') || clean.length >= 10) {
        if (!own.includes(clean) && text.includes(clean)) found.add(clean);
      } else if (/^\p{L}{4,}$/u.test(clean)) {
        // A single word (a button, a column): only as a word of its own.
        const word = (flags: string) => new RegExp(`(^|[^\\p{L}])${clean}($|[^\\p{L}])`, flags);
        if (!word('iu').test(own) && word('u').test(text)) found.add(clean);
      }
    }
  }
  return [...found];
}
