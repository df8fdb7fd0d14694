import type { Database, Statement } from 'better-sqlite3';
import { STATS_FOLD } from './stats-schema.js';

/**
 * Folds the item changes noted in stats_pending into the dashboard counters (STATS_FOLD), with the
 * statements prepared once. Call `run` inside a transaction that changed items, before it commits.
 */
export class StatsFold {
  private readonly anyPending: Statement;
  private readonly steps: Statement[];

  /** `db` must have the stats schema (STATS_MIGRATIONS). */
  constructor(db: Database) {
    this.anyPending = db.prepare('SELECT 1 FROM stats_pending LIMIT 1').pluck();
    this.steps = STATS_FOLD.map((sql) => db.prepare(sql));
  }

  /** Whether changes wait to be folded, e.g. committed by a writer that does not fold. */
  pending(): boolean {
    return this.anyPending.get() !== undefined;
  }

  run(): void {
    if (!this.pending()) return;
    for (const step of this.steps) step.run();
  }
}
