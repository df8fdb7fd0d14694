import { resolve } from 'node:path';
import type { Command } from 'commander';
import { TOTP_KEY_FILE } from '../auth/totp.js';
import { isLazaretError } from '../core/errors.js';
import { LINK_KEY_FILE } from '../digest/link-keys.js';
import { backupEmbeddedStore, restoreEmbeddedStore } from '../store/sqlite/sqlite-backup.js';
import { addConfigOption, loadCliConfig } from './cli-support.js';

/** Files of the data dir that a backup keeps besides the database and raw messages. */
const DATA_FILES = [LINK_KEY_FILE, TOTP_KEY_FILE];

const EMBEDDED_ONLY =
  'covers the embedded store (store.backend sqlite, blobs.backend fs); for DynamoDB use point-in-time recovery, for PostgreSQL pg_dump or PITR (docs/postgresql.md), and for S3 bucket versioning (docs/operations.md)';

async function run(work: () => Promise<string>): Promise<void> {
  try {
    process.stdout.write(`${await work()}\n`);
  } catch (error) {
    if (!isLazaretError(error)) throw error;
    process.stderr.write(`lazaret: ${error.message}\n`);
    process.exitCode = 1;
  }
}

function embeddedDataDir(options: { config?: string }, command: string): string | undefined {
  const config = loadCliConfig(options.config);
  if (config.store.backend !== 'sqlite' || config.blobs.backend !== 'fs') {
    process.stderr.write(`lazaret: ${command} ${EMBEDDED_ONLY}\n`);
    process.exitCode = 2;
    return undefined;
  }
  return config.dataDir;
}

export function registerBackupCommands(program: Command): void {
  addConfigOption(
    program
      .command('backup')
      .description(
        'Copy the embedded store (database and raw messages, consistent with each other) into an empty folder; safe while serve runs.',
      )
      .argument('<dir>', 'empty or new folder for the backup'),
  ).action(async (dir: string, options: { config?: string }) => {
    const dataDir = embeddedDataDir(options, 'backup');
    if (dataDir === undefined) return;
    await run(async () => {
      const manifest = await backupEmbeddedStore(dataDir, resolve(dir), { dataFiles: DATA_FILES });
      return `Backed up ${manifest.items} item(s) of ${manifest.messages} message(s) (${manifest.blobFiles} message file(s)) to ${resolve(dir)}`;
    });
  });
  addConfigOption(
    program
      .command('restore')
      .description(
        'Restore a backup into the configured dataDir, which must hold no store yet; checks every raw message first. Stop serve before.',
      )
      .argument('<dir>', 'folder written by lazaret backup'),
  ).action(async (dir: string, options: { config?: string }) => {
    const dataDir = embeddedDataDir(options, 'restore');
    if (dataDir === undefined) return;
    await run(async () => {
      const report = await restoreEmbeddedStore(resolve(dir), dataDir, DATA_FILES);
      return `Restored ${report.items} item(s) of ${report.messages} message(s) into ${dataDir}; ${report.verified} raw message(s) verified`;
    });
  });
}
