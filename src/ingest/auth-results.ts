import type { AuthenticationResult } from '../core/types.js';

/** The methods the UI explains; others in the header are left out. */
const METHODS = new Set(['spf', 'dkim', 'dmarc', 'arc']);
const MAX_RESULTS = 20;

/** Drops RFC 5322 comments ("(…)", nested) and returns the text and the first comment. */
function withoutComments(text: string): { text: string; comment?: string } {
  let depth = 0;
  let out = '';
  let comment = '';
  let first: string | undefined;
  for (const char of text) {
    if (char === '(') {
      depth += 1;
      if (depth === 1) comment = '';
      else comment += char;
    } else if (char === ')' && depth > 0) {
      depth -= 1;
      if (depth === 0) first ??= comment.trim();
      else comment += char;
    } else if (depth > 0) comment += char;
    else out += char;
  }
  return first ? { text: out, comment: first } : { text: out };
}

/** Splits at the semicolons that are not inside a comment or a quoted string. */
function splitOutsideComments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of text) {
    if (char === '"' && depth === 0) quoted = !quoted;
    else if (!quoted && char === '(') depth += 1;
    else if (!quoted && char === ')' && depth > 0) depth -= 1;
    if (char === ';' && depth === 0 && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

/**
 * The SPF, DKIM, DMARC and ARC results of one Authentication-Results header (RFC 8601), e.g.
 * `mx.example.test; spf=pass smtp.mailfrom=a@b.test; dkim=fail (bad signature) header.d=b.test`.
 * `detail` is the result's comment or its properties ("smtp.mailfrom=a@b.test"). Quoted strings are
 * not unquoted: the values are shown, not interpreted.
 */
export function parseAuthenticationResults(value: string): AuthenticationResult[] {
  const parts = splitOutsideComments(value);
  const results: AuthenticationResult[] = [];
  // The first part is the authserv-id (and a version); results follow.
  for (const part of parts.slice(1)) {
    const { text, comment } = withoutComments(part);
    const match = /^\s*([a-z0-9-]+)\s*=\s*([a-z0-9-]+)\s*(.*)$/i.exec(text.replace(/\s+/g, ' '));
    if (!match) continue;
    const method = match[1]!.toLowerCase();
    if (!METHODS.has(method)) continue;
    const properties = match[3]!.trim();
    const detail = [comment, properties].filter(Boolean).join('; ');
    results.push({
      method: method as AuthenticationResult['method'],
      result: match[2]!.toLowerCase(),
      ...(detail ? { detail: detail.slice(0, 300) } : {}),
    });
    if (results.length >= MAX_RESULTS) break;
  }
  return results;
}
