import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { awsStoreError, isConditionFailed } from '../aws/aws-errors.js';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import type { LearningStore, LearnTask, LearnTaskFilter } from '../learning-store.js';
import type { Record_ } from './batch.js';
import { isNew, versionIs } from './conditions.js';
import type { DynamoConnection } from './dynamo-client.js';
import { queryPartition } from './dynamo-query.js';
import { PK, SK } from './table-layout.js';

/**
 * The learning queue: every task in one partition (`LEARNQ`) under its id. Tasks leave the queue
 * once learned, so the partition holds only what is waiting or has failed; the due list is one
 * filtered read of it.
 */
const QUEUE = 'LEARNQ';
const taskKey = (id: string) => ({ [PK]: QUEUE, [SK]: id });

function record(task: LearnTask): Record_ {
  return {
    ...taskKey(task.id),
    type: 'learn-task',
    task: JSON.stringify(task),
    state: task.state,
    itemId: task.itemId,
    nextAttemptAt: task.nextAttemptAt,
    version: task.version,
  };
}

const toTask = (item: Record_) => JSON.parse(item.task as string) as LearnTask;

/** The learning queue in the DynamoDB table. */
export class DynamoLearningStore implements LearningStore {
  constructor(private readonly conn: DynamoConnection) {}

  async addLearnTask(task: LearnTask): Promise<void> {
    try {
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.conn.table,
          Item: record(task),
          ...isNew,
        }),
      );
    } catch (error) {
      throw awsStoreError('addLearnTask', error);
    }
  }

  async getLearnTask(id: string): Promise<LearnTask | null> {
    try {
      const output = await this.conn.doc.send(
        new GetCommand({ TableName: this.conn.table, Key: taskKey(id), ConsistentRead: true }),
      );
      return output.Item ? toTask(output.Item as Record_) : null;
    } catch (error) {
      throw awsStoreError('getLearnTask', error);
    }
  }

  async listDueLearnTasks(now: string, limit: number): Promise<LearnTask[]> {
    try {
      const due: LearnTask[] = [];
      for await (const item of queryPartition(this.conn, {
        partition: QUEUE,
        descending: false,
        filter: {
          expression: '#f0 = :f0 AND #f1 <= :f1',
          names: { '#f0': 'state', '#f1': 'nextAttemptAt' },
          values: { ':f0': 'pending', ':f1': now },
        },
      })) {
        due.push(toTask(item));
      }
      due.sort((a, b) =>
        a.nextAttemptAt === b.nextAttemptAt
          ? a.id < b.id
            ? -1
            : 1
          : a.nextAttemptAt < b.nextAttemptAt
            ? -1
            : 1,
      );
      return due.slice(0, limit);
    } catch (error) {
      throw awsStoreError('listDueLearnTasks', error);
    }
  }

  async listLearnTasks(filter: LearnTaskFilter, page: PageRequest): Promise<Page<LearnTask>> {
    try {
      const terms: string[] = [];
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      if (filter.state !== undefined) {
        terms.push('#f0 = :f0');
        names['#f0'] = 'state';
        values[':f0'] = filter.state;
      }
      if (filter.itemId !== undefined) {
        terms.push('#f1 = :f1');
        names['#f1'] = 'itemId';
        values[':f1'] = filter.itemId;
      }
      const found: LearnTask[] = [];
      for await (const item of queryPartition(this.conn, {
        partition: QUEUE,
        descending: true,
        after: page.cursor === undefined ? undefined : decodeCursor(page.cursor).id,
        ...(terms.length > 0 ? { filter: { expression: terms.join(' AND '), names, values } } : {}),
      })) {
        found.push(toTask(item));
        if (found.length > page.limit) break;
      }
      return pageOf(found, page.limit, (last) => encodeCursor({ receivedAt: '', id: last.id }));
    } catch (error) {
      throw awsStoreError('listLearnTasks', error);
    }
  }

  async writeLearnTask(task: LearnTask, expectedVersion: number): Promise<LearnTask | null> {
    const stored: LearnTask = { ...task, version: expectedVersion + 1 };
    try {
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.conn.table,
          Item: record(stored),
          ...versionIs(expectedVersion),
        }),
      );
      return stored;
    } catch (error) {
      if (isConditionFailed(error)) return null;
      throw awsStoreError('writeLearnTask', error);
    }
  }

  async removeLearnTask(id: string, expectedVersion: number): Promise<boolean> {
    try {
      await this.conn.doc.send(
        new DeleteCommand({
          TableName: this.conn.table,
          Key: taskKey(id),
          ...versionIs(expectedVersion),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw awsStoreError('removeLearnTask', error);
    }
  }
}
