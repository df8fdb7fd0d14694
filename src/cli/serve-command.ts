import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { startServer } from '../server.js';
import { loadCliConfig } from './load-cli-config.js';

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
      const logger = createLogger(config.log.level);
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
