import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { LazaretError } from '../../core/errors.js';

/** The embedded database's file name inside dataDir. */
export const DATABASE_FILE = 'lazaret.sqlite';

/** One named, ordered list of schema steps owned by one store module (items, auth, jobs, …). */
export interface MigrationSet {
  name: string;
  steps: readonly string[];
}

/** Opens the embedded database with the settings every module relies on. */
export function openSqliteDatabase(path: string): Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  // FULL makes each commit durable on its own, which is what acknowledging mail with 250 promises.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT NOT NULL, step INTEGER NOT NULL, PRIMARY KEY (name, step)) STRICT',
  );
  keepStatisticsFresh(db);
  return db;
}

const OPTIMIZE_EVERY_MS = 60 * 60 * 1000;

/**
 * The query planner chooses the right index for each list filter only with fresh statistics, so
 * analyse at open (0x10002: also tables never analysed) and then every hour, as SQLite recommends
 * for long-lived connections.
 */
function keepStatisticsFresh(db: Database): void {
  db.pragma('optimize = 0x10002');
  const timer = setInterval(() => {
    if (db.open) db.pragma('optimize');
    else clearInterval(timer);
  }, OPTIMIZE_EVERY_MS);
  timer.unref();
}

/** Analyse now, e.g. after a bulk load changed the shape of the data. */
export function refreshStatistics(db: Database): void {
  db.exec('ANALYZE');
}

/**
 * Runs the steps of `set` that have not run yet, each in its own transaction. Modules keep separate
 * sets so that they can grow independently. Never edit a step that has shipped; add one.
 */
export function migrate(db: Database, set: MigrationSet): void {
  const done = db.prepare('SELECT count(*) AS n FROM schema_migrations WHERE name = ?').get(set.name) as {
    n: number;
  };
  if (done.n > set.steps.length) {
    // Steps only go forward: an older version must not run on a schema it does not know.
    throw new LazaretError(
      'store_error',
      `The data dir was written by a newer Lazaret (schema ${set.name} has ${done.n} steps, this version knows ${set.steps.length}); start that version or restore a backup`,
    );
  }
  for (let step = done.n; step < set.steps.length; step += 1) {
    db.transaction(() => {
      db.exec(set.steps[step]!);
      db.prepare('INSERT INTO schema_migrations (name, step) VALUES (?, ?)').run(set.name, step);
    })();
  }
}
