import type { ReleaseMode, Role, TokenScope } from '../core/actor.js';
import {
  decodeTotp,
  type SessionRecord,
  type TokenRecord,
  type UserChange,
  type UserRecord,
} from './user-store.js';

/**
 * A `users` row as both SQL backends (SQLite, PostgreSQL) store it, once each backend has decoded
 * its column types (SQLite keeps the lists as JSON text and the flag as 0/1).
 */
export interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: string;
  domains: string[];
  addresses: string[];
  password_hash: string | null;
  disabled: boolean;
  release_mode: string | null;
  created_at: string;
  updated_at: string;
  /** encodeTotp's JSON of the second factor, or null. */
  totp: string | null;
  external_id: string | null;
}

/** A `tokens` row of both SQL backends. */
export interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  scope: string;
  secret_hash: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A `sessions` row of both SQL backends. */
export interface SessionRow {
  id: string;
  secret_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  ip: string | null;
}

export function userOfRow(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role as Role,
    domains: row.domains,
    addresses: row.addresses,
    passwordHash: row.password_hash,
    disabled: row.disabled,
    releaseMode: row.release_mode as ReleaseMode | null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.totp === null ? {} : { totp: decodeTotp(row.totp) }),
    ...(row.external_id === null ? {} : { externalId: row.external_id }),
  };
}

export function tokenOfRow(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    scope: row.scope as TokenScope,
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export function sessionOfRow(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    secretHash: row.secret_hash,
    userId: row.user_id,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    ...(row.ip === null ? {} : { ip: row.ip }),
  };
}

/** The user after a change: the fields the change names, the others as they were. */
export function changedUser(current: UserRecord, change: UserChange): UserRecord {
  const next: UserRecord = {
    ...current,
    ...(change.displayName === undefined ? {} : { displayName: change.displayName }),
    ...(change.role === undefined ? {} : { role: change.role }),
    ...(change.domains === undefined ? {} : { domains: change.domains }),
    ...(change.addresses === undefined ? {} : { addresses: change.addresses }),
    ...(change.passwordHash === undefined ? {} : { passwordHash: change.passwordHash }),
    ...(change.disabled === undefined ? {} : { disabled: change.disabled }),
    ...(change.releaseMode === undefined ? {} : { releaseMode: change.releaseMode }),
    updatedAt: change.at,
  };
  if (change.externalId === undefined) return next;
  const { externalId: _previous, ...unlinked } = next;
  return change.externalId === null ? unlinked : { ...unlinked, externalId: change.externalId };
}
