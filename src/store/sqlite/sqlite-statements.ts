import type { Database, Statement } from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { storeError } from '../../core/errors.js';

/**
 * How many prepared statements one store keeps. The text of a listing's statement follows its filter
 * and search terms, so clients can make up new ones without end; each holds native memory (a compiled
 * program) until it is dropped. The fixed statements of a store are far fewer than this.
 */
export const STATEMENT_CACHE_SIZE = 256;

/** Prepared statements cached by their text (the most recently used), and synchronous work wrapped into store promises. */
export class StatementCache {
  private readonly statements = new LRUCache<string, Statement>({ max: STATEMENT_CACHE_SIZE });

  constructor(private readonly db: Database) {}

  /** Statements held now (at most STATEMENT_CACHE_SIZE). */
  get size(): number {
    return this.statements.size;
  }

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
