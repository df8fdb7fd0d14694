import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { awsStoreError, isConditionFailed } from '../aws/aws-errors.js';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type {
  DigestSchedule,
  DigestSettings,
  DigestSettingsFilter,
  DigestState,
  DigestStore,
} from '../digest-store.js';
import type { Page, PageRequest } from '../item-store.js';
import { type OwnerScope, type OwnerScopeKind, parseScopeKey, scopeKey } from '../owner-scope.js';
import { batchGet, type Record_ } from './batch.js';
import { isNew, versionIs } from './conditions.js';
import type { DynamoConnection } from './dynamo-client.js';
import { queryPartition } from './dynamo-query.js';
import { PK, SINGLE, SK } from './table-layout.js';

/** Scope kinds in the order of their scope keys (`domain:…` < `global` < `user:…`). */
const KINDS_IN_KEY_ORDER: readonly OwnerScopeKind[] = ['domain', 'global', 'user'];

/**
 * Keys of the digest records. Settings live in one partition per scope kind under their scope key,
 * so a page of users' settings is one BatchGet and the domain defaults one sorted read. A user's send
 * state is one record, written only with a condition on its version.
 */
const digestKeys = {
  settings: (scope: OwnerScope) => ({ [PK]: `DIGSET#${scope.kind}`, [SK]: scopeKey(scope) }),
  state: (userId: string) => ({ [PK]: `DIGSTATE#${userId}`, [SK]: SINGLE }),
};

function toSettings(record: Record_): DigestSettings {
  return {
    scope: parseScopeKey(record[SK] as string),
    schedule: (record.schedule ?? {}) as DigestSchedule,
    updatedAt: record.updatedAt as string,
    updatedBy: record.updatedBy as string,
  };
}

/** Digest schedules and per-user send state in the DynamoDB table (base-table keys only). */
export class DynamoDigestStore implements DigestStore {
  constructor(private readonly conn: DynamoConnection) {}

  async getDigestSettings(scopes: readonly OwnerScope[]): Promise<DigestSettings[]> {
    try {
      if (scopes.length === 0) return [];
      return (await batchGet(this.conn, scopes.map(digestKeys.settings), { consistent: true })).map(
        toSettings,
      );
    } catch (error) {
      throw awsStoreError('getDigestSettings', error);
    }
  }

  async putDigestSettings(settings: DigestSettings): Promise<void> {
    try {
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.conn.table,
          Item: {
            ...digestKeys.settings(settings.scope),
            type: 'digest-settings',
            schedule: settings.schedule,
            updatedAt: settings.updatedAt,
            updatedBy: settings.updatedBy,
          },
        }),
      );
    } catch (error) {
      throw awsStoreError('putDigestSettings', error);
    }
  }

  async removeDigestSettings(scope: OwnerScope): Promise<boolean> {
    try {
      const output = await this.conn.doc.send(
        new DeleteCommand({
          TableName: this.conn.table,
          Key: digestKeys.settings(scope),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return output.Attributes !== undefined;
    } catch (error) {
      throw awsStoreError('removeDigestSettings', error);
    }
  }

  async listDigestSettings(filter: DigestSettingsFilter, page: PageRequest): Promise<Page<DigestSettings>> {
    try {
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor).id;
      const found: DigestSettings[] = [];
      for (const kind of KINDS_IN_KEY_ORDER) {
        if (filter.kinds && !filter.kinds.includes(kind)) continue;
        for await (const record of queryPartition(this.conn, {
          partition: `DIGSET#${kind}`,
          after,
          descending: false,
          pageSize: Math.min(1000, page.limit + 1),
        })) {
          found.push(toSettings(record));
          if (found.length > page.limit) break;
        }
        if (found.length > page.limit) break;
      }
      return pageOf(found, page.limit, (last) => encodeCursor({ receivedAt: '', id: scopeKey(last.scope) }));
    } catch (error) {
      throw awsStoreError('listDigestSettings', error);
    }
  }

  async getDigestStates(userIds: readonly string[]): Promise<Map<string, DigestState>> {
    try {
      const records = await batchGet(this.conn, [...new Set(userIds)].map(digestKeys.state), {
        consistent: true,
      });
      const states = new Map<string, DigestState>();
      for (const record of records) {
        const state = JSON.parse(record.state as string) as DigestState;
        states.set(state.userId, state);
      }
      return states;
    } catch (error) {
      throw awsStoreError('getDigestStates', error);
    }
  }

  async writeDigestState(state: DigestState, expectedVersion: number | null): Promise<DigestState | null> {
    const version = (expectedVersion ?? 0) + 1;
    const stored: DigestState = { ...state, version };
    try {
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.conn.table,
          Item: {
            ...digestKeys.state(state.userId),
            type: 'digest-state',
            state: JSON.stringify(stored),
            version,
          },
          ...(expectedVersion === null ? isNew : versionIs(expectedVersion)),
        }),
      );
      return stored;
    } catch (error) {
      if (isConditionFailed(error)) return null;
      throw awsStoreError('writeDigestState', error);
    }
  }
}
