import type { Command } from 'commander';
import { isLazaretError } from '../core/errors.js';
import { loadCliConfig } from './load-cli-config.js';

/** `lazaret postgres migrate`: brings the PostgreSQL schema up to date (what every start also does). */
export function registerPostgresCommand(program: Command): void {
  const postgres = program.command('postgres').description('Set up the PostgreSQL store.');
  postgres
    .command('migrate')
    .description(
      'Create or update the tables and indexes of the PostgreSQL store (forward only; safe to run again and while nodes start).',
    )
    .option(
      '-c, --config <file>',
      'JSON config file (default: $LAZARET_CONFIG, else /etc/lazaret/lazaret.json if present); LAZARET_* variables override it',
    )
    .action(async (options: { config?: string }) => {
      const config = loadCliConfig(options.config);
      if (config.store.backend !== 'postgres') {
        process.stderr.write('lazaret: store.backend is not postgres (set LAZARET_STORE=postgres)\n');
        process.exit(2);
      }
      const { postgresConnectionOptions } = await import('../store/open-stores.js');
      const { openPostgresPool } = await import('../store/postgres/postgres-connection.js');
      const { migrateAllPostgres } = await import('../store/postgres/open-postgres-stores.js');
      try {
        const pool = openPostgresPool(postgresConnectionOptions(config));
        try {
          const applied = await migrateAllPostgres(pool);
          process.stdout.write(
            applied === 0
              ? 'Nothing to do: the schema is up to date.\n'
              : `Done: applied ${applied} schema steps; the schema is up to date.\n`,
          );
        } finally {
          await pool.end();
        }
      } catch (error) {
        process.stderr.write(`lazaret: ${isLazaretError(error) ? error.message : String(error)}\n`);
        process.exitCode = 1;
      }
    });
}
