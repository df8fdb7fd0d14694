import type { Database, Statement } from 'better-sqlite3';
import { storeError } from '../../core/errors.js';

/** Prepared statements cached by their text, and synchronous work wrapped into store promises. */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  get(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `work` now; a thrown error becomes a rejected `store_error` naming `operation`. */
  run<T>(operation: string, work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(storeError(operation, error));
    }
  }
}

/** `(?, ?, …)` with `count` placeholders. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
