import type { Database, Statement } from 'better-sqlite3';
import { type LazaretError, storeError } from '../../core/errors.js';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import {
  changedUser,
  type SessionRow,
  sessionOfRow,
  type TokenRow,
  tokenOfRow,
  type UserRow,
  userOfRow,
} from '../user-rows.js';
import type {
  SessionRecord,
  TokenRecord,
  UserChange,
  UserFilter,
  UserRecord,
  UserStore,
} from '../user-store.js';
import { encodeTotp, identityTaken, type TotpFactor, tenantsOfUser, userExists } from '../user-store.js';
import { type MigrationSet, migrate } from './sqlite-database.js';
import { StatementCache } from './sqlite-statements.js';

/** Schema of users, their tenants (for domain admins' views), API tokens and sessions. */
export const AUTH_MIGRATIONS: MigrationSet = {
  name: 'auth',
  steps: [
    `
    CREATE TABLE users (
      id TEXT PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      display_name TEXT NOT NULL,
      role TEXT NOT NULL,
      domains TEXT NOT NULL,
      addresses TEXT NOT NULL,
      password_hash TEXT,
      disabled INTEGER NOT NULL,
      release_mode TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE user_tenants (
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      tenant TEXT NOT NULL,
      PRIMARY KEY (tenant, user_id)
    ) STRICT;
    CREATE TABLE tokens (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id),
      name TEXT NOT NULL,
      scope TEXT NOT NULL,
      secret_hash TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL,
      expires_at TEXT,
      last_used_at TEXT,
      revoked_at TEXT
    ) STRICT;
    CREATE INDEX tokens_by_user ON tokens (user_id, created_at DESC, id DESC);
    CREATE INDEX tokens_by_time ON tokens (created_at DESC, id DESC);
    CREATE TABLE sessions (
      id TEXT PRIMARY KEY,
      secret_hash TEXT NOT NULL UNIQUE,
      user_id TEXT NOT NULL REFERENCES users(id),
      csrf_token TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      revoked_at TEXT,
      ip TEXT
    ) STRICT;
    CREATE INDEX sessions_by_user ON sessions (user_id) WHERE revoked_at IS NULL;
    `,
  ],
};

/**
 * Index of users by address (who receives the mail of a recipient), kept beside `user_tenants`; the
 * first step fills it from the users that exist already.
 */
export const USER_ADDRESS_MIGRATIONS: MigrationSet = {
  name: 'auth-addresses',
  steps: [
    `
    CREATE TABLE user_addresses (
      address TEXT NOT NULL,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      PRIMARY KEY (address, user_id)
    ) STRICT;
    INSERT OR IGNORE INTO user_addresses (address, user_id)
      SELECT lower(value), users.id FROM users, json_each(users.addresses);
    `,
  ],
};

/** The second factor of local accounts (a `totp` column holding encodeTotp's JSON). */
export const USER_TOTP_MIGRATIONS: MigrationSet = {
  name: 'auth-totp',
  steps: ['ALTER TABLE users ADD COLUMN totp TEXT;'],
};

/** Who a user is at an identity provider (`external_id`, unique where set). */
export const USER_EXTERNAL_ID_MIGRATIONS: MigrationSet = {
  name: 'auth-external-id',
  steps: [
    `ALTER TABLE users ADD COLUMN external_id TEXT;
     CREATE UNIQUE INDEX users_by_external_id ON users (external_id) WHERE external_id IS NOT NULL;`,
  ],
};

/** A `users` row as SQLite holds it: the lists as JSON text, the flag as 0/1. */
interface SqliteUserRow extends Omit<UserRow, 'domains' | 'addresses' | 'disabled'> {
  domains: string;
  addresses: string;
  disabled: number;
}

function toUser(row: SqliteUserRow): UserRecord {
  return userOfRow({
    ...row,
    domains: JSON.parse(row.domains) as string[],
    addresses: JSON.parse(row.addresses) as string[],
    disabled: row.disabled === 1,
  });
}

/** Users, tokens and sessions in the embedded database (migration set `auth`). */
export class SqliteUserStore implements UserStore {
  private readonly statements: StatementCache;
  private readonly insertUserTx: (user: UserRecord) => void;
  private readonly updateUserTx: (id: string, change: UserChange) => UserRecord | null;

  constructor(db: Database) {
    this.statements = new StatementCache(db);
    migrate(db, AUTH_MIGRATIONS);
    migrate(db, USER_ADDRESS_MIGRATIONS);
    migrate(db, USER_TOTP_MIGRATIONS);
    migrate(db, USER_EXTERNAL_ID_MIGRATIONS);
    this.insertUserTx = db.transaction((user: UserRecord) => {
      this.statement(
        `INSERT INTO users (id, email, display_name, role, domains, addresses, password_hash, disabled,
           release_mode, created_at, updated_at, external_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        user.id,
        user.email.toLowerCase(),
        user.displayName,
        user.role,
        JSON.stringify(user.domains),
        JSON.stringify(user.addresses),
        user.passwordHash,
        user.disabled ? 1 : 0,
        user.releaseMode,
        user.createdAt,
        user.updatedAt,
        user.externalId ?? null,
      );
      this.writeTenants(user);
    });
    this.updateUserTx = db.transaction((id: string, change: UserChange) => {
      const current = this.readUser(id);
      if (!current) return null;
      const next = changedUser(current, change);
      this.statement(
        `UPDATE users SET display_name = ?, role = ?, domains = ?, addresses = ?, password_hash = ?,
           disabled = ?, release_mode = ?, updated_at = ?, external_id = ? WHERE id = ?`,
      ).run(
        next.displayName,
        next.role,
        JSON.stringify(next.domains),
        JSON.stringify(next.addresses),
        next.passwordHash,
        next.disabled ? 1 : 0,
        next.releaseMode,
        next.updatedAt,
        next.externalId ?? null,
        id,
      );
      this.statement('DELETE FROM user_tenants WHERE user_id = ?').run(id);
      this.statement('DELETE FROM user_addresses WHERE user_id = ?').run(id);
      this.writeTenants(next);
      return next;
    });
  }

  private writeTenants(user: UserRecord): void {
    const insert = this.statement('INSERT INTO user_tenants (user_id, tenant) VALUES (?, ?)');
    for (const tenant of tenantsOfUser(user)) insert.run(user.id, tenant);
    const address = this.statement('INSERT OR IGNORE INTO user_addresses (address, user_id) VALUES (?, ?)');
    for (const each of user.addresses) address.run(each.toLowerCase(), user.id);
  }

  private statement(sql: string): Statement {
    return this.statements.get(sql);
  }

  private run<T>(operation: string, work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(storeError(operation, error));
    }
  }

  /** A unique email or identity taken already: `user_exists` (`taken`); any other failure: `store_error`. */
  private refusal(operation: string, taken: () => LazaretError, error: unknown): LazaretError {
    return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE'
      ? taken()
      : storeError(operation, error);
  }

  private readUser(id: string): UserRecord | null {
    const row = this.statement('SELECT * FROM users WHERE id = ?').get(id) as SqliteUserRow | undefined;
    return row ? toUser(row) : null;
  }

  createUser(user: UserRecord): Promise<void> {
    try {
      this.insertUserTx(user);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(this.refusal('createUser', () => userExists(user), error));
    }
  }

  getUserByExternalId(externalId: string): Promise<UserRecord | null> {
    return this.run('getUserByExternalId', () => {
      const row = this.statement('SELECT * FROM users WHERE external_id = ?').get(externalId) as
        | SqliteUserRow
        | undefined;
      return row ? toUser(row) : null;
    });
  }

  swapTotp(id: string, expected: TotpFactor | null, next: TotpFactor | null, at: string): Promise<boolean> {
    return this.run('swapTotp', () => {
      const result = this.statement(
        'UPDATE users SET totp = ?, updated_at = ? WHERE id = ? AND totp IS ?',
      ).run(next ? encodeTotp(next) : null, at, id, expected ? encodeTotp(expected) : null);
      return result.changes === 1;
    });
  }

  getUser(id: string): Promise<UserRecord | null> {
    return this.run('getUser', () => this.readUser(id));
  }

  getUserByEmail(email: string): Promise<UserRecord | null> {
    return this.run('getUserByEmail', () => {
      const row = this.statement('SELECT * FROM users WHERE email = ?').get(email.toLowerCase()) as
        | SqliteUserRow
        | undefined;
      return row ? toUser(row) : null;
    });
  }

  listUsers(filter: UserFilter, page: PageRequest): Promise<Page<UserRecord>> {
    return this.run('listUsers', () => {
      const conditions = ['1'];
      const params: unknown[] = [];
      if (filter.role !== undefined) {
        conditions.push('role = ?');
        params.push(filter.role);
      }
      if (filter.tenantIn !== undefined) {
        if (filter.tenantIn.length === 0) conditions.push('0');
        else {
          conditions.push(
            `id IN (SELECT user_id FROM user_tenants WHERE tenant IN (${filter.tenantIn.map(() => '?').join(',')}))`,
          );
          params.push(...filter.tenantIn.map((tenant) => tenant.toLowerCase()));
        }
      }
      if (page.cursor !== undefined) {
        // Users page by email; the cursor's time slot carries the email.
        const after = decodeCursor(page.cursor);
        conditions.push('email > ?');
        params.push(after.receivedAt);
      }
      const rows = this.statement(
        `SELECT * FROM users WHERE ${conditions.join(' AND ')} ORDER BY email LIMIT ?`,
      ).all(...params, page.limit + 1) as SqliteUserRow[];
      return pageOf(
        rows,
        page.limit,
        (last) => encodeCursor({ receivedAt: last.email, id: last.id }),
        toUser,
      );
    });
  }

  findUsersByAddress(address: string): Promise<UserRecord[]> {
    return this.run('findUsersByAddress', () =>
      (
        this.statement(
          'SELECT users.* FROM user_addresses JOIN users ON users.id = user_addresses.user_id WHERE address = ? ORDER BY users.email',
        ).all(address.trim().toLowerCase()) as SqliteUserRow[]
      ).map(toUser),
    );
  }

  hasUsers(): Promise<boolean> {
    return this.run('hasUsers', () => this.statement('SELECT 1 FROM users LIMIT 1').get() !== undefined);
  }

  updateUser(id: string, change: UserChange): Promise<UserRecord | null> {
    try {
      return Promise.resolve(this.updateUserTx(id, change));
    } catch (error) {
      return Promise.reject(this.refusal('updateUser', () => identityTaken(change), error));
    }
  }

  createToken(token: TokenRecord): Promise<void> {
    return this.run('createToken', () => {
      this.statement(
        `INSERT INTO tokens (id, user_id, name, scope, secret_hash, created_at, expires_at, last_used_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        token.id,
        token.userId,
        token.name,
        token.scope,
        token.secretHash,
        token.createdAt,
        token.expiresAt,
        token.lastUsedAt,
        token.revokedAt,
      );
    });
  }

  getToken(id: string): Promise<TokenRecord | null> {
    return this.run('getToken', () => {
      const row = this.statement('SELECT * FROM tokens WHERE id = ?').get(id) as TokenRow | undefined;
      return row ? tokenOfRow(row) : null;
    });
  }

  getTokenBySecretHash(secretHash: string): Promise<TokenRecord | null> {
    return this.run('getTokenBySecretHash', () => {
      const row = this.statement('SELECT * FROM tokens WHERE secret_hash = ?').get(secretHash) as
        | TokenRow
        | undefined;
      return row ? tokenOfRow(row) : null;
    });
  }

  listTokens(filter: { userId?: string }, page: PageRequest): Promise<Page<TokenRecord>> {
    return this.run('listTokens', () => {
      const conditions = ['1'];
      const params: unknown[] = [];
      if (filter.userId !== undefined) {
        conditions.push('user_id = ?');
        params.push(filter.userId);
      }
      if (page.cursor !== undefined) {
        const after = decodeCursor(page.cursor);
        conditions.push('(created_at < ? OR (created_at = ? AND id < ?))');
        params.push(after.receivedAt, after.receivedAt, after.id);
      }
      const rows = this.statement(
        `SELECT * FROM tokens WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
      ).all(...params, page.limit + 1) as TokenRow[];
      return pageOf(
        rows,
        page.limit,
        (last) => encodeCursor({ receivedAt: last.createdAt, id: last.id }),
        tokenOfRow,
      );
    });
  }

  revokeToken(id: string, at: string): Promise<TokenRecord | null> {
    return this.run('revokeToken', () => {
      this.statement('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id);
      const row = this.statement('SELECT * FROM tokens WHERE id = ?').get(id) as TokenRow | undefined;
      return row ? tokenOfRow(row) : null;
    });
  }

  touchToken(id: string, at: string): Promise<void> {
    return this.run('touchToken', () => {
      this.statement(
        'UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
      ).run(at, id, at);
    });
  }

  createSession(session: SessionRecord): Promise<void> {
    return this.run('createSession', () => {
      this.statement(
        `INSERT INTO sessions (id, secret_hash, user_id, csrf_token, created_at, expires_at, revoked_at, ip)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        session.id,
        session.secretHash,
        session.userId,
        session.csrfToken,
        session.createdAt,
        session.expiresAt,
        session.revokedAt,
        session.ip ?? null,
      );
    });
  }

  getSessionBySecretHash(secretHash: string): Promise<SessionRecord | null> {
    return this.run('getSessionBySecretHash', () => {
      const row = this.statement('SELECT * FROM sessions WHERE secret_hash = ?').get(secretHash) as
        | SessionRow
        | undefined;
      return row ? sessionOfRow(row) : null;
    });
  }

  revokeSession(id: string, at: string): Promise<void> {
    return this.run('revokeSession', () => {
      this.statement('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id);
    });
  }

  revokeUserSessions(userId: string, at: string): Promise<number> {
    return this.run(
      'revokeUserSessions',
      () =>
        this.statement('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(
          at,
          userId,
        ).changes,
    );
  }
}
