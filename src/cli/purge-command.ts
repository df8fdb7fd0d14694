import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { purgeExpired } from '../retention/purge.js';
import { openStores } from '../store/open-stores.js';
import { wholeNumberAtLeast } from './cli-support.js';
import { loadCliConfig } from './load-cli-config.js';

export function registerPurgeCommand(program: Command): void {
  program
    .command('purge')
    .description('Expire items past their retention and remove raw messages that no item needs any more.')
    .option(
      '-c, --config <file>',
      'JSON config file (default: $LAZARET_CONFIG, else /etc/lazaret/lazaret.json if present)',
    )
    .option('--dry-run', 'only print what would go')
    .option('--batch-size <n>', 'items per batch (default: retention.batchSize)', wholeNumberAtLeast(1))
    .action(async (options: { config?: string; dryRun?: boolean; batchSize?: number }) => {
      const config = loadCliConfig(options.config);
      const logger = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, {
        format: config.log.format,
      });
      const stores = await openStores(config);
      const { items, blobs } = stores;
      try {
        const report = await purgeExpired(
          { items, blobs, logger, now: () => new Date() },
          {
            batchSize: options.batchSize ?? config.retention.batchSize,
            dryRun: options.dryRun ?? false,
          },
        );
        if (options.dryRun) {
          for (const item of report.items) {
            process.stdout.write(
              `would expire ${item.id} ${item.recipient} ${item.reason} expiresAt=${item.expiresAt} message=${item.messageId}\n`,
            );
          }
          for (const messageId of report.messages)
            process.stdout.write(`would remove message ${messageId}\n`);
          process.stdout.write(
            `Dry run: ${report.expiredItems} item(s) would expire, ${report.removedBlobs} raw message(s) would be removed.\n`,
          );
        } else {
          process.stdout.write(
            `Expired ${report.expiredItems} item(s), removed ${report.removedBlobs} raw message(s)` +
              `${report.skipped > 0 ? `, ${report.skipped} changed meanwhile and were left` : ''}.\n`,
          );
        }
      } finally {
        await stores.close();
      }
    });
}
