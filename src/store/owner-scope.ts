/**
 * Whose a setting or list entry is: one user's own, a domain's default (set by its administrators),
 * or the global default (set by administrators). Shared by sender lists and digest settings.
 */
export type OwnerScope =
  | { kind: 'user'; userId: string }
  | { kind: 'domain'; domain: string }
  | { kind: 'global' };

export type OwnerScopeKind = OwnerScope['kind'];

/** A stable text form, `user:<id>`, `domain:<lower-cased domain>` or `global`, for keys and indexes. */
export function scopeKey(scope: OwnerScope): string {
  switch (scope.kind) {
    case 'user':
      return `user:${scope.userId}`;
    case 'domain':
      return `domain:${scope.domain.toLowerCase()}`;
    case 'global':
      return 'global';
  }
}

/** The inverse of scopeKey; throws on text that scopeKey never produces. */
export function parseScopeKey(key: string): OwnerScope {
  if (key === 'global') return { kind: 'global' };
  if (key.startsWith('user:') && key.length > 5) return { kind: 'user', userId: key.slice(5) };
  if (key.startsWith('domain:') && key.length > 7) return { kind: 'domain', domain: key.slice(7) };
  throw new Error(`not a scope key: ${key}`);
}
