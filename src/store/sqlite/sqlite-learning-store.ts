import type { Database } from 'better-sqlite3';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import type { LearningStore, LearnTask, LearnTaskFilter } from '../learning-store.js';
import { type MigrationSet, migrate } from './sqlite-database.js';
import { StatementCache } from './sqlite-statements.js';

/** Schema of the learning queue. */
export const LEARNING_MIGRATIONS: MigrationSet = {
  name: 'learning',
  steps: [
    `
    CREATE TABLE learn_tasks (
      id TEXT PRIMARY KEY,
      item_id TEXT NOT NULL,
      state TEXT NOT NULL,
      next_attempt_at TEXT NOT NULL,
      task TEXT NOT NULL,
      version INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX learn_tasks_due ON learn_tasks (next_attempt_at, id) WHERE state = 'pending';
    CREATE INDEX learn_tasks_by_item ON learn_tasks (item_id, id DESC);
    CREATE INDEX learn_tasks_by_state ON learn_tasks (state, id DESC);
    `,
  ],
};

const parse = (row: { task: string }) => JSON.parse(row.task) as LearnTask;

/** The learning queue in the embedded database (migration set `learning`). */
export class SqliteLearningStore implements LearningStore {
  private readonly sql: StatementCache;

  constructor(db: Database) {
    migrate(db, LEARNING_MIGRATIONS);
    this.sql = new StatementCache(db);
  }

  addLearnTask(task: LearnTask): Promise<void> {
    return this.sql.run('addLearnTask', () => {
      this.sql
        .get(
          'INSERT INTO learn_tasks (id, item_id, state, next_attempt_at, task, version) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(task.id, task.itemId, task.state, task.nextAttemptAt, JSON.stringify(task), task.version);
    });
  }

  getLearnTask(id: string): Promise<LearnTask | null> {
    return this.sql.run('getLearnTask', () => {
      const row = this.sql.get('SELECT task FROM learn_tasks WHERE id = ?').get(id) as
        | { task: string }
        | undefined;
      return row ? parse(row) : null;
    });
  }

  listDueLearnTasks(now: string, limit: number): Promise<LearnTask[]> {
    return this.sql.run('listDueLearnTasks', () =>
      (
        this.sql
          .get(
            `SELECT task FROM learn_tasks WHERE state = 'pending' AND next_attempt_at <= ?
             ORDER BY next_attempt_at, id LIMIT ?`,
          )
          .all(now, limit) as { task: string }[]
      ).map(parse),
    );
  }

  listLearnTasks(filter: LearnTaskFilter, page: PageRequest): Promise<Page<LearnTask>> {
    return this.sql.run('listLearnTasks', () => {
      const conditions = ['1'];
      const params: unknown[] = [];
      if (filter.state !== undefined) {
        conditions.push('state = ?');
        params.push(filter.state);
      }
      if (filter.itemId !== undefined) {
        conditions.push('item_id = ?');
        params.push(filter.itemId);
      }
      if (page.cursor !== undefined) {
        conditions.push('id < ?');
        params.push(decodeCursor(page.cursor).id);
      }
      const rows = this.sql
        .get(`SELECT task FROM learn_tasks WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT ?`)
        .all(...params, page.limit + 1) as { task: string }[];
      return pageOf(rows, page.limit, (last) => encodeCursor({ receivedAt: '', id: last.id }), parse);
    });
  }

  writeLearnTask(task: LearnTask, expectedVersion: number): Promise<LearnTask | null> {
    return this.sql.run('writeLearnTask', () => {
      const stored: LearnTask = { ...task, version: expectedVersion + 1 };
      const changes = this.sql
        .get(
          `UPDATE learn_tasks SET state = ?, next_attempt_at = ?, task = ?, version = ?
           WHERE id = ? AND version = ?`,
        )
        .run(
          stored.state,
          stored.nextAttemptAt,
          JSON.stringify(stored),
          stored.version,
          task.id,
          expectedVersion,
        ).changes;
      return changes === 1 ? stored : null;
    });
  }

  removeLearnTask(id: string, expectedVersion: number): Promise<boolean> {
    return this.sql.run(
      'removeLearnTask',
      () =>
        this.sql.get('DELETE FROM learn_tasks WHERE id = ? AND version = ?').run(id, expectedVersion)
          .changes === 1,
    );
  }
}
