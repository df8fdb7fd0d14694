#!/usr/bin/env node
import { Command } from 'commander';
import { registerBulkCommands } from './bulk-commands.js';
import { registerServeCommand } from './serve-command.js';

const program = new Command()
  .name('lazaret')
  .description('Email quarantine server: holds suspicious mail per recipient, releases or deletes it.')
  .version('0.1.0');

registerServeCommand(program);
registerBulkCommands(program);

await program.parseAsync(process.argv);
