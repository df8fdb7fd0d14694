import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { startServer } from '../server.js';
import { loadCliConfig } from './load-cli-config.js';

/** How long after shutdownTimeoutMs a shutdown that still hangs is ended by exiting. */
const FORCE_AFTER_MS = 5_000;

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the SMTP listener, the HTTP API and the background workers in one process.')
    .option(
      '-c, --config <file>',
      'JSON config file (default: $LAZARET_CONFIG, else /etc/lazaret/lazaret.json if present); LAZARET_* variables override it',
    )
    .action(async (options: { config?: string }) => {
      const config = loadCliConfig(options.config);
      const logger = createLogger(config.log.level, { format: config.log.format });
      const server = await startServer(config, logger).catch((error: unknown) => {
        logger.fatal({ event: 'START_FAILED', err: error });
        logger.flush();
        process.exitCode = 1;
        return undefined;
      });
      if (!server) return;
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ event: 'SHUTDOWN_REQUESTED', signal });
        // close() cuts what is left at shutdownTimeoutMs; should anything hang even after that (a
        // store call that never returns), the process still ends shortly after the deadline.
        setTimeout(() => {
          logger.fatal({ event: 'SHUTDOWN_FORCED', timeoutMs: config.shutdownTimeoutMs + FORCE_AFTER_MS });
          logger.flush();
          process.exit(1);
        }, config.shutdownTimeoutMs + FORCE_AFTER_MS).unref();
        server.close().then(
          () => logger.flush(),
          (error: unknown) => {
            logger.error({ event: 'SHUTDOWN_FAILED', err: error });
            logger.flush();
            process.exitCode = 1;
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
