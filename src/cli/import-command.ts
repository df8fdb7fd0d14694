import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { REASONS, type Reason } from '../core/types.js';
import { importMessages } from '../import/import-messages.js';
import { buildIngestDeps, buildPipeline } from '../ingest/ingest-setup.js';
import { createLogger } from '../log.js';
import { openStores } from '../store/open-stores.js';
import { wholeNumberAtLeast } from './cli-support.js';
import { loadCliConfig } from './load-cli-config.js';

interface ImportCliOptions {
  config?: string;
  to?: string;
  scan?: boolean;
  reason: string;
  concurrency: number;
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'Load .eml files, mbox files and Maildir folders into the quarantine. Re-running skips what is already imported (same bytes and recipient).',
    )
    .argument('<paths...>', 'files and folders to import')
    .option(
      '-c, --config <file>',
      'JSON config file (default: $LAZARET_CONFIG, else /etc/lazaret/lazaret.json if present)',
    )
    .option(
      '--to <addresses>',
      'comma-separated recipients for every message (default: Delivered-To, X-Original-To, To/Cc)',
    )
    .option(
      '--scan',
      'run the configured scanners: only held recipients are imported, clean ones are counted',
    )
    .option('--reason <reason>', `reason recorded without --scan (${REASONS.join(', ')})`, 'manual')
    .option('--concurrency <n>', 'messages imported at the same time', wholeNumberAtLeast(1), 4)
    .action(async (paths: string[], options: ImportCliOptions) => {
      const config = loadCliConfig(options.config);
      if (!REASONS.includes(options.reason as Reason)) {
        process.stderr.write(`lazaret: --reason must be one of ${REASONS.join(', ')}\n`);
        process.exit(2);
      }
      const logger = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, {
        format: config.log.format,
      });
      const stores = await openStores(config);
      const { items, blobs } = stores;
      const deps = buildIngestDeps(
        config,
        { items, blobs, logger, now: () => new Date() },
        {
          pipeline: options.scan
            ? buildPipeline(config, logger, undefined, { lists: stores.lists, users: stores.users })
            : undefined,
        },
      );
      const bar = new SingleBar({
        stream: process.stderr,
        format:
          'import [{bar}] {percentage}% | {value}/{total} | imported {imported} skipped {skipped} failed {failed}',
        hideCursor: true,
      });
      let started = false;
      try {
        const report = await importMessages(deps, paths, {
          ...(options.to
            ? {
                to: options.to
                  .split(',')
                  .map((address) => address.trim())
                  .filter(Boolean),
              }
            : {}),
          reason: options.reason as Reason,
          concurrency: options.concurrency,
          maxMessageSize: config.smtp.maxMessageSize,
          onTotal: (total) => {
            bar.start(total, 0, { imported: 0, skipped: 0, failed: 0 });
            started = true;
          },
          onProgress: (progress) =>
            bar.update(progress.processed, {
              imported: progress.imported,
              skipped: progress.skipped,
              failed: progress.failed.length,
            }),
        });
        if (started) bar.stop();
        for (const failure of report.failed)
          process.stderr.write(`failed: ${failure.location}: ${failure.error}\n`);
        process.stdout.write(
          `Imported ${report.imported} message(s) as ${report.items} item(s); ` +
            `skipped ${report.skipped} already imported; ${report.clean} clean (not held); ` +
            `${report.failed.length} failed; ${report.processed} processed.\n`,
        );
        if (report.failed.length > 0) process.exitCode = 1;
      } finally {
        if (started) bar.stop();
        await stores.close();
      }
    });
}
