import type pg from 'pg';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import type { LearningStore, LearnTask, LearnTaskFilter } from '../learning-store.js';
import { postgresError } from './postgres-errors.js';
import { migratePostgres, type PostgresMigrationSet } from './postgres-migrations.js';
import { jsonParam, queryRows } from './postgres-query.js';

/** The learning queue: the task as JSON beside the columns that are queried. */
export const POSTGRES_LEARNING_MIGRATIONS: PostgresMigrationSet = {
  name: 'learning',
  steps: [
    `
    CREATE TABLE learn_tasks (
      id text COLLATE "C" PRIMARY KEY,
      item_id text COLLATE "C" NOT NULL,
      state text COLLATE "C" NOT NULL,
      next_attempt_at text COLLATE "C" NOT NULL,
      task jsonb NOT NULL,
      version integer NOT NULL
    );
    CREATE INDEX learn_tasks_due ON learn_tasks (next_attempt_at, id) WHERE state = 'pending';
    CREATE INDEX learn_tasks_by_item ON learn_tasks (item_id, id DESC);
    CREATE INDEX learn_tasks_by_state ON learn_tasks (state, id DESC);
    `,
  ],
};

/** The learning queue on PostgreSQL (migration set `learning`); writes are conditional on the version. */
export class PostgresLearningStore implements LearningStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PostgresLearningStore> {
    try {
      await migratePostgres(pool, [POSTGRES_LEARNING_MIGRATIONS]);
    } catch (error) {
      throw postgresError('migrate', error);
    }
    return new PostgresLearningStore(pool);
  }

  async addLearnTask(task: LearnTask): Promise<void> {
    await queryRows(
      this.pool,
      'addLearnTask',
      'INSERT INTO learn_tasks (id, item_id, state, next_attempt_at, task, version) VALUES ($1, $2, $3, $4, $5, $6)',
      [task.id, task.itemId, task.state, task.nextAttemptAt, jsonParam(task), task.version],
    );
  }

  async getLearnTask(id: string): Promise<LearnTask | null> {
    const rows = await queryRows<{ task: LearnTask }>(
      this.pool,
      'getLearnTask',
      'SELECT task FROM learn_tasks WHERE id = $1',
      [id],
    );
    return rows[0]?.task ?? null;
  }

  async listDueLearnTasks(now: string, limit: number): Promise<LearnTask[]> {
    const rows = await queryRows<{ task: LearnTask }>(
      this.pool,
      'listDueLearnTasks',
      `SELECT task FROM learn_tasks WHERE state = 'pending' AND next_attempt_at <= $1
       ORDER BY next_attempt_at, id LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => row.task);
  }

  async listLearnTasks(filter: LearnTaskFilter, page: PageRequest): Promise<Page<LearnTask>> {
    const conditions = ['true'];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.state !== undefined) conditions.push(`state = ${param(filter.state)}`);
    if (filter.itemId !== undefined) conditions.push(`item_id = ${param(filter.itemId)}`);
    if (page.cursor !== undefined) conditions.push(`id < ${param(decodeCursor(page.cursor).id)}`);
    const rows = await queryRows<{ task: LearnTask }>(
      this.pool,
      'listLearnTasks',
      `SELECT task FROM learn_tasks WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT ${param(page.limit + 1)}`,
      values,
    );
    return pageOf(
      rows,
      page.limit,
      (last) => encodeCursor({ receivedAt: '', id: last.id }),
      (row) => row.task,
    );
  }

  async writeLearnTask(task: LearnTask, expectedVersion: number): Promise<LearnTask | null> {
    const stored: LearnTask = { ...task, version: expectedVersion + 1 };
    const rows = await queryRows(
      this.pool,
      'writeLearnTask',
      `UPDATE learn_tasks SET state = $1, next_attempt_at = $2, task = $3, version = $4
       WHERE id = $5 AND version = $6 RETURNING id`,
      [stored.state, stored.nextAttemptAt, jsonParam(stored), stored.version, task.id, expectedVersion],
    );
    return rows.length === 1 ? stored : null;
  }

  async removeLearnTask(id: string, expectedVersion: number): Promise<boolean> {
    const rows = await queryRows(
      this.pool,
      'removeLearnTask',
      'DELETE FROM learn_tasks WHERE id = $1 AND version = $2 RETURNING id',
      [id, expectedVersion],
    );
    return rows.length === 1;
  }
}
