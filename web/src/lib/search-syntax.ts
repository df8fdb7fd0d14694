/**
 * The search box's side of the query grammar. The grammar itself is the server's
 * (src/core/search-query.ts): the same tokenizer reads the box, so a term the box writes is one the
 * server parses. Here: help for each field, quick-filter edits and completions.
 */
import {
  formatSearchTerm,
  SEARCH_FIELDS,
  type SearchField,
  type SearchToken,
  tokenizeSearch,
} from '../../../src/core/search-query.js';
import { ITEM_STATUSES, REASONS } from '../../../src/core/types.js';

export interface Operator {
  token: string;
  example: string;
  help: string;
}

/** Help for every field of the grammar (a field added there is a type error here until it has help). */
const HELP: Record<SearchField, Omit<Operator, 'token'> & { token?: string }> = {
  from: { example: 'from:alice@example.com', help: 'Sender address or domain' },
  to: { example: 'to:bob@corp.example', help: 'Recipient address or domain' },
  subject: { example: 'subject:"invoice due"', help: 'Text in the subject' },
  reason: { example: 'reason:malware', help: REASONS.join(', ') },
  status: { example: 'status:released', help: 'quarantined, released, deleted, …' },
  'message-id': { example: 'message-id:<abc@host>', help: 'Message-ID header' },
  after: { example: 'after:2026-11-01', help: 'Received on or after a date' },
  before: { example: 'before:2026-11-30', help: 'Received before a date' },
  larger: { example: 'larger:5M', help: 'Bigger than a size' },
  smaller: { example: 'smaller:100k', help: 'Smaller than a size' },
  has: { token: 'has:attachment', example: 'has:attachment', help: 'With attachments' },
};

export const OPERATORS: Operator[] = SEARCH_FIELDS.map((field) => {
  const { token = `${field}:`, example, help } = HELP[field];
  return { token, example, help };
});

/** Values offered for fields that take one of a fixed set. */
const VALUES: Partial<Record<SearchField, readonly string[]>> = { reason: REASONS, status: ITEM_STATUSES };

/** Terms that set `name` (negated ones exclude instead, so quick filters leave them alone). */
const sets = (token: SearchToken, name: string) => !token.negated && token.field === name;

/** The value of the first `name:` term, if any. */
export function termValue(query: string, name: string): string | null {
  return tokenizeSearch(query).find((token) => sets(token, name))?.value ?? null;
}

/** Replaces (or with null removes) every `name:` term; quick filters edit the query this way. */
export function withTerm(query: string, name: string, value: string | null): string {
  const kept = tokenizeSearch(query)
    .filter((token) => !sets(token, name))
    .map((token) => query.slice(token.start, token.end));
  if (value !== null) kept.push(formatSearchTerm(name, value));
  return kept.join(' ');
}

/** Completions for the term being typed at the end of the query. */
export function suggestions(query: string): string[] {
  const lastSpace = query.lastIndexOf(' ');
  const head = query.slice(0, lastSpace + 1);
  const last = query.slice(lastSpace + 1);
  const negated = last.startsWith('-');
  const typed = (negated ? last.slice(1) : last).toLowerCase();
  if (typed.includes(':')) {
    const [name] = typed.split(':');
    return (VALUES[name as SearchField] ?? [])
      .map((value) => `${name}:${value}`)
      .filter((term) => term.startsWith(typed) && term !== typed)
      .map((term) => `${head}${negated ? '-' : ''}${term}`);
  }
  return OPERATORS.filter(
    (operator) => operator.token.startsWith(typed) && typed.length < operator.token.length,
  ).map((operator) => `${head}${negated ? '-' : ''}${operator.token}`);
}

/** `after:` value for "the last N days". */
export function daysAgo(days: number, now = new Date()): string {
  return new Date(now.getTime() - days * 24 * 3600 * 1000).toISOString().slice(0, 10);
}
