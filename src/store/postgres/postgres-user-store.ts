import type pg from 'pg';
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
import {
  encodeTotp,
  identityTaken,
  type SessionRecord,
  type TokenRecord,
  type TotpFactor,
  tenantsOfUser,
  type UserChange,
  type UserFilter,
  type UserRecord,
  type UserStore,
  userExists,
} from '../user-store.js';
import { postgresError } from './postgres-errors.js';
import { migratePostgres, type PostgresMigrationSet } from './postgres-migrations.js';
import { inTransaction, queryRows } from './postgres-query.js';

/**
 * Users, API tokens and sessions. `tenants` (tenantsOfUser) and `address_keys` (lower-cased
 * addresses) are derived on every write and indexed for the domain admins' view and for
 * findUsersByAddress.
 */
export const POSTGRES_USER_MIGRATIONS: PostgresMigrationSet = {
  name: 'auth',
  steps: [
    `
    CREATE TABLE users (
      id text COLLATE "C" PRIMARY KEY,
      email text COLLATE "C" NOT NULL UNIQUE,
      display_name text NOT NULL,
      role text COLLATE "C" NOT NULL,
      domains text[] NOT NULL,
      addresses text[] NOT NULL,
      tenants text[] COLLATE "C" NOT NULL,
      address_keys text[] COLLATE "C" NOT NULL,
      password_hash text,
      disabled boolean NOT NULL,
      release_mode text,
      created_at text COLLATE "C" NOT NULL,
      updated_at text COLLATE "C" NOT NULL
    );
    CREATE INDEX users_by_tenant ON users USING gin (tenants);
    CREATE INDEX users_by_address ON users USING gin (address_keys);
    CREATE TABLE tokens (
      id text COLLATE "C" PRIMARY KEY,
      user_id text COLLATE "C" NOT NULL REFERENCES users(id),
      name text NOT NULL,
      scope text NOT NULL,
      secret_hash text COLLATE "C" NOT NULL UNIQUE,
      created_at text COLLATE "C" NOT NULL,
      expires_at text COLLATE "C",
      last_used_at text COLLATE "C",
      revoked_at text COLLATE "C"
    );
    CREATE INDEX tokens_by_user ON tokens (user_id, created_at DESC, id DESC);
    CREATE INDEX tokens_by_time ON tokens (created_at DESC, id DESC);
    CREATE TABLE sessions (
      id text COLLATE "C" PRIMARY KEY,
      secret_hash text COLLATE "C" NOT NULL UNIQUE,
      user_id text COLLATE "C" NOT NULL REFERENCES users(id),
      csrf_token text NOT NULL,
      created_at text COLLATE "C" NOT NULL,
      expires_at text COLLATE "C" NOT NULL,
      revoked_at text COLLATE "C",
      ip text
    );
    CREATE INDEX sessions_by_user ON sessions (user_id) WHERE revoked_at IS NULL;
    `,
  ],
};

/** The second factor of local accounts (a `totp` column holding encodeTotp's JSON). */
export const POSTGRES_USER_TOTP_MIGRATIONS: PostgresMigrationSet = {
  name: 'auth-totp',
  steps: ['ALTER TABLE users ADD COLUMN totp text;'],
};

/** Who a user is at an identity provider (`external_id`, unique where set). */
export const POSTGRES_USER_EXTERNAL_ID_MIGRATIONS: PostgresMigrationSet = {
  name: 'auth-external-id',
  steps: [
    `ALTER TABLE users ADD COLUMN external_id text COLLATE "C";
     CREATE UNIQUE INDEX users_external_id_key ON users (external_id);`,
  ],
};

const USER_COLUMNS = `id, email, display_name, role, domains, addresses, password_hash, disabled, release_mode,
  created_at, updated_at, totp, external_id`;

/** A unique violation of the email or the identity: which one, or null for another error. */
function takenKey(error: unknown): 'email' | 'identity' | null {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code !== '23505') return null;
  if (constraint === 'users_email_key') return 'email';
  return constraint === 'users_external_id_key' ? 'identity' : null;
}

/** The columns derived from a user for its indexes. */
function derived(user: UserRecord): { tenants: string[]; addressKeys: string[] } {
  return {
    tenants: tenantsOfUser(user),
    addressKeys: [...new Set(user.addresses.map((address) => address.toLowerCase()))],
  };
}

/** Users, tokens and sessions on PostgreSQL (migration set `auth`). */
export class PostgresUserStore implements UserStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PostgresUserStore> {
    try {
      await migratePostgres(pool, [
        POSTGRES_USER_MIGRATIONS,
        POSTGRES_USER_TOTP_MIGRATIONS,
        POSTGRES_USER_EXTERNAL_ID_MIGRATIONS,
      ]);
    } catch (error) {
      throw postgresError('migrate', error);
    }
    return new PostgresUserStore(pool);
  }

  private rows<R extends pg.QueryResultRow>(operation: string, sql: string, values: readonly unknown[] = []) {
    return queryRows<R>(this.pool, operation, sql, values);
  }

  async createUser(user: UserRecord): Promise<void> {
    const { tenants, addressKeys } = derived(user);
    try {
      await this.pool.query(
        `INSERT INTO users (id, email, display_name, role, domains, addresses, tenants, address_keys,
           password_hash, disabled, release_mode, created_at, updated_at, external_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          user.id,
          user.email.toLowerCase(),
          user.displayName,
          user.role,
          user.domains,
          user.addresses,
          tenants,
          addressKeys,
          user.passwordHash,
          user.disabled,
          user.releaseMode,
          user.createdAt,
          user.updatedAt,
          user.externalId ?? null,
        ],
      );
    } catch (error) {
      if (takenKey(error)) throw userExists(user);
      throw postgresError('createUser', error);
    }
  }

  async getUserByExternalId(externalId: string): Promise<UserRecord | null> {
    const rows = await this.rows<UserRow>(
      'getUserByExternalId',
      `SELECT ${USER_COLUMNS} FROM users WHERE external_id = $1`,
      [externalId],
    );
    return rows[0] ? userOfRow(rows[0]) : null;
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const rows = await this.rows<UserRow>('getUser', `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] ? userOfRow(rows[0]) : null;
  }

  async getUserByEmail(email: string): Promise<UserRecord | null> {
    const rows = await this.rows<UserRow>(
      'getUserByEmail',
      `SELECT ${USER_COLUMNS} FROM users WHERE email = $1`,
      [email.toLowerCase()],
    );
    return rows[0] ? userOfRow(rows[0]) : null;
  }

  async listUsers(filter: UserFilter, page: PageRequest): Promise<Page<UserRecord>> {
    const conditions = ['true'];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.role !== undefined) conditions.push(`role = ${param(filter.role)}`);
    if (filter.tenantIn !== undefined) {
      conditions.push(`tenants && ${param(filter.tenantIn.map((tenant) => tenant.toLowerCase()))}::text[]`);
    }
    if (page.cursor !== undefined) {
      // Users page by email; the cursor's time slot carries the email.
      conditions.push(`email > ${param(decodeCursor(page.cursor).receivedAt)}`);
    }
    const rows = await this.rows<UserRow>(
      'listUsers',
      `SELECT ${USER_COLUMNS} FROM users WHERE ${conditions.join(' AND ')} ORDER BY email LIMIT ${param(page.limit + 1)}`,
      values,
    );
    return pageOf(
      rows,
      page.limit,
      (last) => encodeCursor({ receivedAt: last.email, id: last.id }),
      userOfRow,
    );
  }

  async findUsersByAddress(address: string): Promise<UserRecord[]> {
    const rows = await this.rows<UserRow>(
      'findUsersByAddress',
      `SELECT ${USER_COLUMNS} FROM users WHERE address_keys @> ARRAY[$1::text] ORDER BY email`,
      [address.trim().toLowerCase()],
    );
    return rows.map(userOfRow);
  }

  async hasUsers(): Promise<boolean> {
    return (await this.rows('hasUsers', 'SELECT 1 FROM users LIMIT 1')).length > 0;
  }

  async swapTotp(
    id: string,
    expected: TotpFactor | null,
    next: TotpFactor | null,
    at: string,
  ): Promise<boolean> {
    const rows = await this.rows(
      'swapTotp',
      `UPDATE users SET totp = $1, updated_at = $2 WHERE id = $3 AND totp IS NOT DISTINCT FROM $4::text
       RETURNING id`,
      [next ? encodeTotp(next) : null, at, id, expected ? encodeTotp(expected) : null],
    );
    return rows.length === 1;
  }

  async updateUser(id: string, change: UserChange): Promise<UserRecord | null> {
    try {
      return await this.updateUserRow(id, change);
    } catch (error) {
      if (takenKey((error as { cause?: unknown }).cause ?? error) === 'identity') throw identityTaken(change);
      throw error;
    }
  }

  private updateUserRow(id: string, change: UserChange): Promise<UserRecord | null> {
    return inTransaction(this.pool, 'updateUser', async (client) => {
      const found = await client.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!found.rows[0]) return null;
      const current = userOfRow(found.rows[0]);
      const next = changedUser(current, change);
      const { tenants, addressKeys } = derived(next);
      await client.query(
        `UPDATE users SET display_name = $1, role = $2, domains = $3, addresses = $4, tenants = $5,
           address_keys = $6, password_hash = $7, disabled = $8, release_mode = $9, updated_at = $10,
           external_id = $11
         WHERE id = $12`,
        [
          next.displayName,
          next.role,
          next.domains,
          next.addresses,
          tenants,
          addressKeys,
          next.passwordHash,
          next.disabled,
          next.releaseMode,
          next.updatedAt,
          next.externalId ?? null,
          id,
        ],
      );
      return next;
    });
  }

  async createToken(token: TokenRecord): Promise<void> {
    await this.rows(
      'createToken',
      `INSERT INTO tokens (id, user_id, name, scope, secret_hash, created_at, expires_at, last_used_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        token.id,
        token.userId,
        token.name,
        token.scope,
        token.secretHash,
        token.createdAt,
        token.expiresAt,
        token.lastUsedAt,
        token.revokedAt,
      ],
    );
  }

  async getToken(id: string): Promise<TokenRecord | null> {
    const rows = await this.rows<TokenRow>('getToken', 'SELECT * FROM tokens WHERE id = $1', [id]);
    return rows[0] ? tokenOfRow(rows[0]) : null;
  }

  async getTokenBySecretHash(secretHash: string): Promise<TokenRecord | null> {
    const rows = await this.rows<TokenRow>(
      'getTokenBySecretHash',
      'SELECT * FROM tokens WHERE secret_hash = $1',
      [secretHash],
    );
    return rows[0] ? tokenOfRow(rows[0]) : null;
  }

  async listTokens(filter: { userId?: string }, page: PageRequest): Promise<Page<TokenRecord>> {
    const conditions = ['true'];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.userId !== undefined) conditions.push(`user_id = ${param(filter.userId)}`);
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor);
      conditions.push(`(created_at, id) < (${param(after.receivedAt)}, ${param(after.id)})`);
    }
    const rows = await this.rows<TokenRow>(
      'listTokens',
      `SELECT * FROM tokens WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${param(page.limit + 1)}`,
      values,
    );
    return pageOf(
      rows,
      page.limit,
      (last) => encodeCursor({ receivedAt: last.createdAt, id: last.id }),
      tokenOfRow,
    );
  }

  async revokeToken(id: string, at: string): Promise<TokenRecord | null> {
    const rows = await this.rows<TokenRow>(
      'revokeToken',
      'UPDATE tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING *',
      [at, id],
    );
    return rows[0] ? tokenOfRow(rows[0]) : null;
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.rows(
      'touchToken',
      'UPDATE tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)',
      [at, id],
    );
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.rows(
      'createSession',
      `INSERT INTO sessions (id, secret_hash, user_id, csrf_token, created_at, expires_at, revoked_at, ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        session.id,
        session.secretHash,
        session.userId,
        session.csrfToken,
        session.createdAt,
        session.expiresAt,
        session.revokedAt,
        session.ip ?? null,
      ],
    );
  }

  async getSessionBySecretHash(secretHash: string): Promise<SessionRecord | null> {
    const rows = await this.rows<SessionRow>(
      'getSessionBySecretHash',
      'SELECT * FROM sessions WHERE secret_hash = $1',
      [secretHash],
    );
    return rows[0] ? sessionOfRow(rows[0]) : null;
  }

  async revokeSession(id: string, at: string): Promise<void> {
    await this.rows(
      'revokeSession',
      'UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
      [at, id],
    );
  }

  async revokeUserSessions(userId: string, at: string): Promise<number> {
    try {
      const result = await this.pool.query(
        'UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL',
        [at, userId],
      );
      return result.rowCount ?? 0;
    } catch (error) {
      throw postgresError('revokeUserSessions', error);
    }
  }
}
