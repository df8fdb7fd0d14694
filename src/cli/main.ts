#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAuditCommand } from './audit-command.js';
import { registerBackupCommands } from './backup-command.js';
import { registerBulkCommands } from './bulk-commands.js';
import { registerDigestCommand } from './digest-command.js';
import { registerDirectoryCommand } from './directory-command.js';
import { registerDoctorCommand } from './doctor-command.js';
import { registerDynamodbCommand } from './dynamodb-command.js';
import { registerImportCommand } from './import-command.js';
import { registerPostgresCommand } from './postgres-command.js';
import { registerPurgeCommand } from './purge-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerTokenCommand } from './token-command.js';
import { registerUserCommand } from './user-command.js';

// The version of the installed package, from its own package.json (../../ from dist/cli or src/cli).
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command()
  .name('lazaret')
  .description('Email quarantine server: holds suspicious mail per recipient, releases or deletes it.')
  .version(version);

registerServeCommand(program);
registerBulkCommands(program);
registerUserCommand(program);
registerTokenCommand(program);
registerAuditCommand(program);
registerDigestCommand(program);
registerImportCommand(program);
registerPurgeCommand(program);
registerDynamodbCommand(program);
registerPostgresCommand(program);
registerBackupCommands(program);
registerDoctorCommand(program);
registerDirectoryCommand(program);

await program.parseAsync(process.argv);
