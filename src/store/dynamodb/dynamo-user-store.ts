import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { awsStoreError, isConditionFailed } from '../aws/aws-errors.js';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import {
  decodeTotp,
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
import { batchGet, batchWrite, type Record_ } from './batch.js';
import { isNew } from './conditions.js';
import type { DynamoConnection } from './dynamo-client.js';
import { queryPartition } from './dynamo-query.js';
import { ttlFor } from './item-records.js';
import { collectBatched, newestFirstIds, queryRange } from './query-streams.js';
import { PK, SINGLE, SK } from './table-layout.js';

/**
 * Keys of the user records. A user lives in the USERS partition under its email, so that the email
 * is unique by a conditional put and the list is one sorted read; `USER#<id>` points to it. Tokens and
 * sessions live under their id, with pointers from their secret hash and their user. Pointers are
 * written before the record they point to: a crash leaves a pointer to nothing, never a record that
 * cannot be found.
 */
const userKeys = {
  user: (email: string) => ({ [PK]: 'USERS', [SK]: email }),
  userById: (id: string) => ({ [PK]: `USER#${id}`, [SK]: SINGLE }),
  token: (id: string) => ({ [PK]: `TOKEN#${id}`, [SK]: SINGLE }),
  tokenByHash: (hash: string) => ({ [PK]: `TOKENHASH#${hash}`, [SK]: SINGLE }),
  tokenList: (createdAt: string, id: string) => ({ [PK]: 'TOKENS', [SK]: `${createdAt}#${id}` }),
  userTokenList: (userId: string, createdAt: string, id: string) => ({
    [PK]: `UTOKENS#${userId}`,
    [SK]: `${createdAt}#${id}`,
  }),
  session: (id: string) => ({ [PK]: `SESSION#${id}`, [SK]: SINGLE }),
  sessionByHash: (hash: string) => ({ [PK]: `SESSIONHASH#${hash}`, [SK]: SINGLE }),
  userSession: (userId: string, id: string) => ({ [PK]: `USESSIONS#${userId}`, [SK]: id }),
  /** Who holds an identity (`UserRecord.externalId`): the user's id, checked against the user on read. */
  identity: (externalId: string) => ({ [PK]: `UEXT#${externalId}`, [SK]: SINGLE }),
  /** Who receives an address: one pointer per address of a user, checked against the user on read. */
  address: (address: string, userId: string) => ({ [PK]: `UADDR#${address.toLowerCase()}`, [SK]: userId }),
};

/** Null fields are left out of records (absent reads back as null). */
function withoutNulls(record: Record_): Record_ {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== null && value !== undefined),
  );
}

function toUser(record: Record_): UserRecord {
  return {
    id: record.id as string,
    email: record.email as string,
    displayName: record.displayName as string,
    role: record.role as UserRecord['role'],
    domains: (record.domains ?? []) as string[],
    addresses: (record.addresses ?? []) as string[],
    passwordHash: (record.passwordHash ?? null) as string | null,
    disabled: record.disabled as boolean,
    releaseMode: (record.releaseMode ?? null) as UserRecord['releaseMode'],
    createdAt: record.createdAt as string,
    updatedAt: record.updatedAt as string,
    ...(typeof record.totp === 'string' ? { totp: decodeTotp(record.totp) } : {}),
    ...(typeof record.externalId === 'string' ? { externalId: record.externalId } : {}),
  };
}

/**
 * How long an identity pointer whose user does not hold the identity counts as a create or link still
 * under way; older, it is what a crash between pointer and record left, and may be taken over.
 */
const CLAIM_SETTLE_MS = 60_000;

function toToken(record: Record_): TokenRecord {
  return {
    id: record.id as string,
    userId: record.userId as string,
    name: record.name as string,
    scope: record.scope as TokenRecord['scope'],
    secretHash: record.secretHash as string,
    createdAt: record.createdAt as string,
    expiresAt: (record.expiresAt ?? null) as string | null,
    lastUsedAt: (record.lastUsedAt ?? null) as string | null,
    revokedAt: (record.revokedAt ?? null) as string | null,
  };
}

function toSession(record: Record_): SessionRecord {
  return {
    id: record.id as string,
    secretHash: record.secretHash as string,
    userId: record.userId as string,
    csrfToken: record.csrfToken as string,
    createdAt: record.createdAt as string,
    expiresAt: record.expiresAt as string,
    revokedAt: (record.revokedAt ?? null) as string | null,
    ...(typeof record.ip === 'string' ? { ip: record.ip } : {}),
  };
}

function userRecord({ totp: _ignored, ...user }: UserRecord): Record_ {
  return withoutNulls({
    ...userKeys.user(user.email),
    type: 'user',
    ...user,
    tenants: tenantsOfUser(user),
  });
}

/** Users, API tokens and sessions in the DynamoDB table (no index needed: all lookups are by key). */
export class DynamoUserStore implements UserStore {
  constructor(
    private readonly conn: DynamoConnection,
    private readonly options: { ttlGraceDays: number } = { ttlGraceDays: 7 },
  ) {}

  private get table(): string {
    return this.conn.table;
  }

  private async get(key: Record_, consistent = true): Promise<Record_ | undefined> {
    const output = await this.conn.doc.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: consistent }),
    );
    return output.Item as Record_ | undefined;
  }

  private async put(item: Record_, onlyIfNew = false): Promise<boolean> {
    try {
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ...(onlyIfNew ? isNew : {}),
        }),
      );
      return true;
    } catch (error) {
      if (onlyIfNew && isConditionFailed(error)) return false;
      throw error;
    }
  }

  private async writeAddresses(
    userId: string,
    add: readonly string[],
    remove: readonly string[],
  ): Promise<void> {
    await batchWrite(this.conn, [
      ...add.map((address) => ({ PutRequest: { Item: userKeys.address(address, userId) } })),
      ...remove.map((address) => ({ DeleteRequest: { Key: userKeys.address(address, userId) } })),
    ]);
  }

  /**
   * Points the identity at `userId` unless another user holds it (answers false). The pointer is the
   * lock: conditional on being absent or ours, or on being a leftover its user never took up.
   */
  private async claimIdentity(externalId: string, userId: string): Promise<boolean> {
    const key = userKeys.identity(externalId);
    const claim = (condition: string, values: Record<string, unknown>) =>
      this.conn.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key, userId, claimedAt: Date.now() },
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#pk': PK, '#userId': 'userId' },
          ExpressionAttributeValues: { ':me': userId, ...values },
        }),
      );
    try {
      await claim('attribute_not_exists(#pk) OR #userId = :me', {});
      return true;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    const pointer = await this.get(key);
    if (!pointer) return this.claimIdentity(externalId, userId);
    const holder = await this.getUser(pointer.userId as string);
    if (holder?.externalId === externalId) return false;
    if (Date.now() - Number(pointer.claimedAt ?? 0) < CLAIM_SETTLE_MS) return false;
    try {
      await claim('#userId = :old', { ':old': pointer.userId });
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Removes the identity's pointer if it still points at `userId`. */
  private async releaseIdentity(externalId: string, userId: string): Promise<void> {
    try {
      await this.conn.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: userKeys.identity(externalId),
          ConditionExpression: '#userId = :me',
          ExpressionAttributeNames: { '#userId': 'userId' },
          ExpressionAttributeValues: { ':me': userId },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  async createUser(user: UserRecord): Promise<void> {
    const email = user.email.toLowerCase();
    const stored = { ...user, email };
    try {
      if (user.externalId && !(await this.claimIdentity(user.externalId, user.id))) throw userExists(user);
      await this.put({ ...userKeys.userById(user.id), email });
      await this.writeAddresses(user.id, user.addresses, []);
      if (await this.put(userRecord(stored), true)) return;
      await this.writeAddresses(user.id, [], user.addresses);
      await this.conn.doc.send(new DeleteCommand({ TableName: this.table, Key: userKeys.userById(user.id) }));
      if (user.externalId) await this.releaseIdentity(user.externalId, user.id);
    } catch (error) {
      throw awsStoreError('createUser', error);
    }
    throw userExists(user);
  }

  async getUserByExternalId(externalId: string): Promise<UserRecord | null> {
    try {
      const pointer = await this.get(userKeys.identity(externalId));
      if (!pointer) return null;
      const user = await this.getUser(pointer.userId as string);
      return user?.externalId === externalId ? user : null;
    } catch (error) {
      throw awsStoreError('getUserByExternalId', error);
    }
  }

  async getUser(id: string): Promise<UserRecord | null> {
    try {
      const pointer = await this.get(userKeys.userById(id));
      if (!pointer) return null;
      const record = await this.get(userKeys.user(pointer.email as string));
      return record && record.id === id ? toUser(record) : null;
    } catch (error) {
      throw awsStoreError('getUser', error);
    }
  }

  async getUserByEmail(email: string): Promise<UserRecord | null> {
    try {
      const record = await this.get(userKeys.user(email.toLowerCase()));
      return record ? toUser(record) : null;
    } catch (error) {
      throw awsStoreError('getUserByEmail', error);
    }
  }

  /** One sorted read of the USERS partition; role and tenant are checked on each record (users are few). */
  async listUsers(filter: UserFilter, page: PageRequest): Promise<Page<UserRecord>> {
    try {
      if (filter.tenantIn?.length === 0) return { items: [], nextCursor: null };
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor).receivedAt;
      const tenants = filter.tenantIn?.map((tenant) => tenant.toLowerCase());
      const found: UserRecord[] = [];
      const records = queryRange(this.conn, {
        partitionAttribute: PK,
        partitionValue: 'USERS',
        sortAttribute: SK,
        low: after ?? ' ',
        high: '\uffff',
        highExclusive: false,
        pageSize: Math.min(1000, Math.max(page.limit + 1, 50)),
        descending: false,
      });
      for await (const record of records) {
        if (record[SK] === after) continue;
        if (filter.role !== undefined && record.role !== filter.role) continue;
        if (tenants && !((record.tenants ?? []) as string[]).some((tenant) => tenants.includes(tenant)))
          continue;
        found.push(toUser(record));
        if (found.length > page.limit) break;
      }
      return pageOf(found, page.limit, (last) => encodeCursor({ receivedAt: last.email, id: last.id }));
    } catch (error) {
      throw awsStoreError('listUsers', error);
    }
  }

  async findUsersByAddress(address: string): Promise<UserRecord[]> {
    const wanted = address.trim().toLowerCase();
    try {
      const userIds: string[] = [];
      for await (const pointer of queryPartition(this.conn, {
        partition: `UADDR#${wanted}`,
        descending: false,
        pageSize: 100,
      })) {
        userIds.push(String(pointer[SK]));
      }
      const users = await Promise.all(userIds.map((id) => this.getUser(id)));
      return users
        .filter(
          (user): user is UserRecord =>
            user?.addresses.some((each) => each.toLowerCase() === wanted) === true,
        )
        .sort((a, b) => (a.email < b.email ? -1 : 1));
    } catch (error) {
      throw awsStoreError('findUsersByAddress', error);
    }
  }

  async hasUsers(): Promise<boolean> {
    try {
      for await (const _user of queryPartition(this.conn, {
        partition: 'USERS',
        descending: false,
        pageSize: 1,
      })) {
        return true;
      }
      return false;
    } catch (error) {
      throw awsStoreError('hasUsers', error);
    }
  }

  async swapTotp(
    id: string,
    expected: TotpFactor | null,
    next: TotpFactor | null,
    at: string,
  ): Promise<boolean> {
    try {
      const pointer = await this.get(userKeys.userById(id));
      if (!pointer) return false;
      const names: Record<string, string> = {
        '#pk': PK,
        '#id': 'id',
        '#totp': 'totp',
        '#updatedAt': 'updatedAt',
      };
      const values: Record<string, unknown> = { ':id': id, ':at': at };
      if (expected) values[':expected'] = encodeTotp(expected);
      if (next) values[':next'] = encodeTotp(next);
      await this.conn.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: userKeys.user(pointer.email as string),
          UpdateExpression: next
            ? 'SET #totp = :next, #updatedAt = :at'
            : 'SET #updatedAt = :at REMOVE #totp',
          ConditionExpression: `attribute_exists(#pk) AND #id = :id AND ${expected ? '#totp = :expected' : 'attribute_not_exists(#totp)'}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw awsStoreError('swapTotp', error);
    }
  }

  async updateUser(id: string, change: UserChange): Promise<UserRecord | null> {
    try {
      const pointer = await this.get(userKeys.userById(id));
      if (!pointer) return null;
      const names: Record<string, string> = { '#pk': PK, '#id': 'id', '#updatedAt': 'updatedAt' };
      const values: Record<string, unknown> = { ':id': id, ':at': change.at };
      const sets = ['#updatedAt = :at'];
      const removes: string[] = [];
      for (const field of [
        'displayName',
        'role',
        'domains',
        'addresses',
        'passwordHash',
        'disabled',
        'releaseMode',
        'externalId',
      ] as const) {
        const value = change[field];
        if (value === undefined) continue;
        names[`#${field}`] = field;
        if (value === null) removes.push(`#${field}`);
        else {
          values[`:${field}`] = value;
          sets.push(`#${field} = :${field}`);
        }
      }
      const current = await this.get(userKeys.user(pointer.email as string));
      if (!current || current.id !== id) return null;
      const linked = typeof current.externalId === 'string' ? current.externalId : null;
      const relink = change.externalId !== undefined && change.externalId !== linked;
      if (relink && change.externalId && !(await this.claimIdentity(change.externalId, id))) {
        throw identityTaken(change);
      }
      const next = toUser({ ...current, ...change, updatedAt: change.at });
      const before = ((current.addresses ?? []) as string[]).map((address) => address.toLowerCase());
      const after = next.addresses.map((address) => address.toLowerCase());
      // New pointers before the change, stale ones after it: a reader never misses a receiver.
      await this.writeAddresses(
        id,
        after.filter((address) => !before.includes(address)),
        [],
      );
      names['#tenants'] = 'tenants';
      values[':tenants'] = tenantsOfUser(next);
      sets.push('#tenants = :tenants');
      try {
        const output = await this.conn.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: userKeys.user(pointer.email as string),
            UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: 'attribute_exists(#pk) AND #id = :id',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        await this.writeAddresses(
          id,
          [],
          before.filter((address) => !after.includes(address)),
        );
        if (relink && linked) await this.releaseIdentity(linked, id);
        return toUser(output.Attributes as Record_);
      } catch (error) {
        if (isConditionFailed(error)) return null;
        throw error;
      }
    } catch (error) {
      throw awsStoreError('updateUser', error);
    }
  }

  async createToken(token: TokenRecord): Promise<void> {
    try {
      await batchWrite(this.conn, [
        { PutRequest: { Item: { ...userKeys.tokenByHash(token.secretHash), tokenId: token.id } } },
        { PutRequest: { Item: userKeys.tokenList(token.createdAt, token.id) } },
        { PutRequest: { Item: userKeys.userTokenList(token.userId, token.createdAt, token.id) } },
      ]);
      await this.put(withoutNulls({ ...userKeys.token(token.id), type: 'token', ...token }));
    } catch (error) {
      throw awsStoreError('createToken', error);
    }
  }

  async getToken(id: string): Promise<TokenRecord | null> {
    try {
      const record = await this.get(userKeys.token(id));
      return record ? toToken(record) : null;
    } catch (error) {
      throw awsStoreError('getToken', error);
    }
  }

  async getTokenBySecretHash(secretHash: string): Promise<TokenRecord | null> {
    try {
      const pointer = await this.get(userKeys.tokenByHash(secretHash));
      if (!pointer) return null;
      const record = await this.get(userKeys.token(pointer.tokenId as string));
      return record && record.secretHash === secretHash ? toToken(record) : null;
    } catch (error) {
      throw awsStoreError('getTokenBySecretHash', error);
    }
  }

  async listTokens(filter: { userId?: string }, page: PageRequest): Promise<Page<TokenRecord>> {
    try {
      const owner = filter.userId === undefined ? 'TOKENS' : `UTOKENS#${filter.userId}`;
      const found = await collectBatched(
        newestFirstIds(this.conn, owner, page),
        page.limit + 1,
        async (batch) => {
          const records = await batchGet(
            this.conn,
            batch.map((id) => userKeys.token(id)),
            { consistent: true },
          );
          const byId = new Map(records.map((record) => [record.id as string, toToken(record)]));
          return batch.map((id) => byId.get(id)).filter((token): token is TokenRecord => token !== undefined);
        },
      );
      return pageOf(found, page.limit, (last) => encodeCursor({ receivedAt: last.createdAt, id: last.id }));
    } catch (error) {
      throw awsStoreError('listTokens', error);
    }
  }

  async revokeToken(id: string, at: string): Promise<TokenRecord | null> {
    try {
      try {
        await this.conn.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: userKeys.token(id),
            UpdateExpression: 'SET #revokedAt = :at',
            ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#revokedAt)',
            ExpressionAttributeNames: { '#pk': PK, '#revokedAt': 'revokedAt' },
            ExpressionAttributeValues: { ':at': at },
          }),
        );
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
      const record = await this.get(userKeys.token(id));
      return record ? toToken(record) : null;
    } catch (error) {
      throw awsStoreError('revokeToken', error);
    }
  }

  async touchToken(id: string, at: string): Promise<void> {
    try {
      await this.conn.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: userKeys.token(id),
          UpdateExpression: 'SET #lastUsedAt = :at',
          ConditionExpression:
            'attribute_exists(#pk) AND (attribute_not_exists(#lastUsedAt) OR #lastUsedAt < :at)',
          ExpressionAttributeNames: { '#pk': PK, '#lastUsedAt': 'lastUsedAt' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) return;
      throw awsStoreError('touchToken', error);
    }
  }

  async createSession(session: SessionRecord): Promise<void> {
    const ttl = ttlFor(session.expiresAt, this.options.ttlGraceDays);
    try {
      await batchWrite(this.conn, [
        {
          PutRequest: { Item: { ...userKeys.sessionByHash(session.secretHash), sessionId: session.id, ttl } },
        },
        { PutRequest: { Item: { ...userKeys.userSession(session.userId, session.id), ttl } } },
      ]);
      await this.put(withoutNulls({ ...userKeys.session(session.id), type: 'session', ...session, ttl }));
    } catch (error) {
      throw awsStoreError('createSession', error);
    }
  }

  async getSessionBySecretHash(secretHash: string): Promise<SessionRecord | null> {
    try {
      const pointer = await this.get(userKeys.sessionByHash(secretHash));
      if (!pointer) return null;
      const record = await this.get(userKeys.session(pointer.sessionId as string));
      return record && record.secretHash === secretHash ? toSession(record) : null;
    } catch (error) {
      throw awsStoreError('getSessionBySecretHash', error);
    }
  }

  /** Answers whether this call revoked it (false when it was revoked already or does not exist). */
  private async revoke(id: string, at: string): Promise<boolean> {
    try {
      await this.conn.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: userKeys.session(id),
          UpdateExpression: 'SET #revokedAt = :at',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#revokedAt)',
          ExpressionAttributeNames: { '#pk': PK, '#revokedAt': 'revokedAt' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async revokeSession(id: string, at: string): Promise<void> {
    try {
      await this.revoke(id, at);
    } catch (error) {
      throw awsStoreError('revokeSession', error);
    }
  }

  async revokeUserSessions(userId: string, at: string): Promise<number> {
    try {
      let revoked = 0;
      for await (const entry of queryPartition(this.conn, {
        partition: `USESSIONS#${userId}`,
        descending: false,
        pageSize: 100,
      })) {
        if (await this.revoke(String(entry[SK]), at)) revoked += 1;
      }
      return revoked;
    } catch (error) {
      throw awsStoreError('revokeUserSessions', error);
    }
  }
}
