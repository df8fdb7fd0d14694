import { LazaretError } from './errors.js';
import {
  ITEM_STATUSES,
  type ItemStatus,
  type QuarantineItem,
  REASONS,
  type Reason,
  type Timestamp,
} from './types.js';

/**
 * The one-box search syntax (DESIGN.md): `from:`, `to:`, `subject:`, `reason:`, `status:`,
 * `message-id:`, `after:`, `before:`, `larger:`, `smaller:`, `has:attachment`, quoted phrases,
 * `-` to negate a term, and free text. All terms must hold (AND). `reason:` and `status:` take
 * comma-separated alternatives (`reason:spam,phish`). Unknown fields are refused rather than taken
 * as text, because a query may select items for a bulk release.
 */
export type SearchTerm =
  /** Case-insensitive substring. `any` looks at subject, From header, sender and recipient. */
  | { kind: 'text'; field: 'any' | 'from' | 'to' | 'subject'; value: string; negated: boolean }
  | { kind: 'reason'; values: Reason[]; negated: boolean }
  | { kind: 'status'; values: ItemStatus[]; negated: boolean }
  /** The Message-ID header (angle brackets optional) or Lazaret's own message id. */
  | { kind: 'message_id'; value: string; negated: boolean }
  /** `after` is inclusive, `before` exclusive, both on receivedAt. */
  | { kind: 'after' | 'before'; at: Timestamp; negated: boolean }
  /** `larger`: size > bytes; `smaller`: size < bytes. */
  | { kind: 'larger' | 'smaller'; bytes: number; negated: boolean }
  | { kind: 'has_attachment'; negated: boolean };

export interface SearchQuery {
  /** The text as given, for display and for storing in a job. */
  source: string;
  terms: SearchTerm[];
}

/** The fields of the grammar, in the order the search box's help lists them. */
export const SEARCH_FIELDS = [
  'from',
  'to',
  'subject',
  'reason',
  'status',
  'message-id',
  'after',
  'before',
  'larger',
  'smaller',
  'has',
] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];
const MAX_QUERY_LENGTH = 2000;
const MAX_TERMS = 50;

function bad(message: string, source: string): LazaretError {
  return new LazaretError('bad_query', message, { query: source });
}

/** One term as written. The server parses tokens; the search box edits the text through them. */
export interface SearchToken {
  negated: boolean;
  /** The lower-cased name before the term's first colon; null for free text and phrases. */
  field: string | null;
  value: string;
  quoted: boolean;
  /** False for a quoted phrase the text ends inside (a query still being typed). */
  closed: boolean;
  /** The term's text is `source.slice(start, end)`. */
  start: number;
  end: number;
}

/**
 * Splits into terms: whitespace separates, double quotes group (`\"` inside quotes is a quote).
 * Never throws: an unclosed phrase runs to the end and is marked, so the box can read partial input.
 */
export function tokenizeSearch(source: string): SearchToken[] {
  const tokens: SearchToken[] = [];
  let index = 0;
  const readQuoted = (): { value: string; closed: boolean } => {
    index += 1;
    let value = '';
    while (index < source.length && source[index] !== '"') {
      if (source[index] === '\\' && source[index + 1] === '"') index += 1;
      value += source[index];
      index += 1;
    }
    if (index >= source.length) return { value, closed: false };
    index += 1;
    return { value, closed: true };
  };
  while (index < source.length) {
    if (/\s/.test(source[index]!)) {
      index += 1;
      continue;
    }
    const start = index;
    let negated = false;
    if (source[index] === '-' && index + 1 < source.length && !/\s/.test(source[index + 1]!)) {
      negated = true;
      index += 1;
    }
    if (source[index] === '"') {
      const { value, closed } = readQuoted();
      tokens.push({ negated, field: null, value, quoted: true, closed, start, end: index });
      continue;
    }
    let word = '';
    while (index < source.length && !/\s/.test(source[index]!) && source[index] !== '"') {
      word += source[index];
      index += 1;
    }
    const colon = word.indexOf(':');
    if (colon > 0) {
      const field = word.slice(0, colon).toLowerCase();
      const value = word.slice(colon + 1);
      if (value === '' && source[index] === '"') {
        const phrase = readQuoted();
        tokens.push({ negated, field, ...phrase, quoted: true, start, end: index });
      } else {
        tokens.push({ negated, field, value, quoted: false, closed: true, start, end: index });
      }
    } else {
      tokens.push({ negated, field: null, value: word, quoted: false, closed: true, start, end: index });
    }
  }
  return tokens;
}

/** The text of a `field:value` term, the value quoted when the grammar needs it. */
export function formatSearchTerm(field: string, value: string): string {
  return /[\s"]/.test(value) ? `${field}:"${value.replaceAll('"', '\\"')}"` : `${field}:${value}`;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseTime(value: string, field: string, source: string): Timestamp {
  const date = DATE_ONLY.test(value)
    ? new Date(`${value}T00:00:00.000Z`)
    : DATE_TIME.test(value)
      ? new Date(value)
      : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw bad(
      `${field}: needs a date (2026-11-01) or a date and time (2026-11-01T08:00:00Z), got "${value}".`,
      source,
    );
  }
  return date.toISOString();
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb)?$/i;
const UNIT: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

function parseSize(value: string, field: string, source: string): number {
  const match = SIZE.exec(value);
  if (!match) throw bad(`${field}: needs a size such as 500, 20k or 5M, got "${value}".`, source);
  return Math.round(Number(match[1]) * UNIT[(match[2] ?? 'b').toLowerCase()]!);
}

function parseAlternatives<T extends string>(
  value: string,
  allowed: readonly T[],
  field: string,
  source: string,
): T[] {
  const values = value
    .toLowerCase()
    .split(',')
    .filter((part) => part !== '');
  if (values.length === 0) throw bad(`${field}: needs a value (one of ${allowed.join(', ')}).`, source);
  for (const each of values) {
    if (!(allowed as readonly string[]).includes(each)) {
      throw bad(`${field}: "${each}" is not one of ${allowed.join(', ')}.`, source);
    }
  }
  return [...new Set(values)] as T[];
}

function toTerm(token: SearchToken, source: string): SearchTerm {
  const { negated, value } = token;
  if (token.field === null) {
    if (value === '') throw bad('An empty phrase matches nothing useful; remove it.', source);
    return { kind: 'text', field: 'any', value: value.toLowerCase(), negated };
  }
  const field = token.field;
  if (!(SEARCH_FIELDS as readonly string[]).includes(field)) {
    throw bad(
      `Unknown search field "${field}:". Known fields: ${SEARCH_FIELDS.map((name) => `${name}:`).join(' ')}; put text with a colon in quotes.`,
      source,
    );
  }
  if (value === '') throw bad(`${field}: needs a value.`, source);
  switch (field) {
    case 'from':
    case 'to':
    case 'subject':
      return { kind: 'text', field, value: value.toLowerCase(), negated };
    case 'reason':
      return { kind: 'reason', values: parseAlternatives(value, REASONS, field, source), negated };
    case 'status':
      return { kind: 'status', values: parseAlternatives(value, ITEM_STATUSES, field, source), negated };
    case 'message-id':
      return { kind: 'message_id', value: normaliseMessageId(value), negated };
    case 'after':
    case 'before':
      return { kind: field, at: parseTime(value, field, source), negated };
    case 'larger':
    case 'smaller':
      return { kind: field, bytes: parseSize(value, field, source), negated };
    default:
      if (value.toLowerCase() !== 'attachment') {
        throw bad(`has: knows only "has:attachment", got "has:${value}".`, source);
      }
      return { kind: 'has_attachment', negated };
  }
}

/** Message-IDs compare without angle brackets and surrounding space. */
export function normaliseMessageId(value: string): string {
  return value.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
}

/** Parses the search box; rejects with `bad_query` (HTTP 400) naming the problem. */
export function parseSearchQuery(source: string): SearchQuery {
  if (source.length > MAX_QUERY_LENGTH) {
    throw bad(`The query is longer than ${MAX_QUERY_LENGTH} characters.`, source.slice(0, 100));
  }
  const tokens = tokenizeSearch(source);
  if (tokens.some((token) => !token.closed)) throw bad('A quoted phrase is not closed with ".', source);
  const terms = tokens.map((token) => toTerm(token, source));
  if (terms.length > MAX_TERMS) throw bad(`The query has more than ${MAX_TERMS} terms.`, source);
  return { source, terms };
}

/** Whether a query selects everything (no terms): a bulk action over it needs to say so explicitly. */
export function isEmptyQuery(query: SearchQuery): boolean {
  return query.terms.length === 0;
}

function contains(haystack: string | undefined, needle: string): boolean {
  return (haystack ?? '').toLowerCase().includes(needle);
}

/**
 * Evaluates one term against an item in memory: the reference semantics every store must match
 * (a backend that cannot push a term into its query filters with this). `headerMessageId` is the
 * item's message's Message-ID header, when the caller has it.
 */
export function termMatches(item: QuarantineItem, term: SearchTerm, headerMessageId?: string): boolean {
  const hit = ((): boolean => {
    switch (term.kind) {
      case 'text':
        switch (term.field) {
          case 'from':
            return contains(item.sender, term.value) || contains(item.fromHeader, term.value);
          case 'to':
            return contains(item.recipient, term.value);
          case 'subject':
            return contains(item.subject, term.value);
          default:
            return (
              contains(item.subject, term.value) ||
              contains(item.fromHeader, term.value) ||
              contains(item.sender, term.value) ||
              contains(item.recipient, term.value)
            );
        }
      case 'reason':
        return term.values.includes(item.reason);
      case 'status':
        return term.values.includes(item.status);
      case 'message_id':
        return (
          item.messageId === term.value ||
          (headerMessageId !== undefined && normaliseMessageId(headerMessageId) === term.value)
        );
      case 'after':
        return item.receivedAt >= term.at;
      case 'before':
        return item.receivedAt < term.at;
      case 'larger':
        return item.size > term.bytes;
      case 'smaller':
        return item.size < term.bytes;
      case 'has_attachment':
        return item.hasAttachments;
    }
  })();
  return term.negated ? !hit : hit;
}
