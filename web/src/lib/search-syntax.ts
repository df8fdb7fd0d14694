/** The search box's query syntax (parsed by the server), and helpers for quick filters and hints. */

export interface Operator {
  token: string;
  example: string;
  help: string;
}

export const OPERATORS: Operator[] = [
  { token: 'from:', example: 'from:alice@example.com', help: 'Sender address or domain' },
  { token: 'to:', example: 'to:bob@corp.example', help: 'Recipient address or domain' },
  { token: 'subject:', example: 'subject:"invoice due"', help: 'Text in the subject' },
  { token: 'reason:', example: 'reason:malware', help: 'spam, malware, phish, policy, bulk, manual' },
  { token: 'status:', example: 'status:released', help: 'quarantined, released, deleted, …' },
  { token: 'message-id:', example: 'message-id:<abc@host>', help: 'Message-ID header' },
  { token: 'after:', example: 'after:2026-11-01', help: 'Received on or after a date' },
  { token: 'before:', example: 'before:2026-11-30', help: 'Received before a date' },
  { token: 'larger:', example: 'larger:5M', help: 'Bigger than a size' },
  { token: 'smaller:', example: 'smaller:100k', help: 'Smaller than a size' },
  { token: 'has:attachment', example: 'has:attachment', help: 'With attachments' },
];

/** Splits a query into terms, keeping quoted phrases whole. */
export function tokenize(query: string): string[] {
  return query.match(/-?[\w-]+:"[^"]*"?|-?"[^"]*"?|\S+/g) ?? [];
}

/** The value of the first `name:` term, if any. */
export function termValue(query: string, name: string): string | null {
  const term = tokenize(query).find((token) => token.toLowerCase().startsWith(`${name}:`));
  return term ? term.slice(name.length + 1).replace(/^"|"$/g, '') : null;
}

/** Replaces (or with null removes) every `name:` term; quick filters edit the query this way. */
export function withTerm(query: string, name: string, value: string | null): string {
  const kept = tokenize(query).filter((token) => !token.toLowerCase().startsWith(`${name}:`));
  if (value !== null) kept.push(`${name}:${/\s/.test(value) ? `"${value}"` : value}`);
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
    const values: Record<string, string[]> = {
      reason: ['spam', 'malware', 'phish', 'policy', 'bulk', 'manual'],
      status: ['quarantined', 'releasing', 'released', 'deleted', 'expired', 'release_requested'],
    };
    return (values[name!] ?? [])
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
