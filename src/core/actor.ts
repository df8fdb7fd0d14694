export const ROLES = ['admin', 'domain_admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

/** Token scopes, each including the ones before it: read < release < admin. */
export const TOKEN_SCOPES = ['read', 'release', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** What a `user` may do with an item they see: release it, or only request release. */
export const RELEASE_MODES = ['release', 'request'] as const;
export type ReleaseMode = (typeof RELEASE_MODES)[number];

/**
 * Who is asking: resolved once per request (session, API token) or job, then handed to the access
 * policy. Every use case takes an Actor instead of looking at the request.
 */
export interface Actor {
  kind: 'user' | 'token' | 'system';
  /** User id, token id, or the system component's name. */
  id: string;
  /** Shown in audit entries and trace headers: an email, `token:<name>`, or `system:<component>`. */
  label: string;
  role: Role;
  /** For domain admins: the lower-cased domains they manage. */
  domains: readonly string[];
  /** For users: their lower-cased primary address and aliases. */
  addresses: readonly string[];
  /** What the credential allows; a session carries every scope its role has. */
  scopes: readonly TokenScope[];
  /** The user behind a session or token (absent for system actors). */
  userId?: string;
  /** For role `user`: the effective release mode (their own, else the configured default). */
  releaseMode?: ReleaseMode;
}

/** The scopes a token of `scope` carries: each scope includes the lesser ones. */
export function expandScope(scope: TokenScope): TokenScope[] {
  return TOKEN_SCOPES.slice(0, TOKEN_SCOPES.indexOf(scope) + 1);
}

/** The actor of the CLI and of background work started by the server itself. */
export function systemActor(component: string): Actor {
  return {
    kind: 'system',
    id: component,
    label: `system:${component}`,
    role: 'admin',
    domains: [],
    addresses: [],
    scopes: ['read', 'release', 'admin'],
  };
}
