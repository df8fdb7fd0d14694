#!/usr/bin/env node
import { Command } from 'commander';
import { registerDynamodbCommand } from './dynamodb-command.js';
import { registerServeCommand } from './serve-command.js';

const program = new Command()
  .name('lazaret')
  .description('Email quarantine server: holds suspicious mail per recipient, releases or deletes it.')
  .version('0.1.0');

registerServeCommand(program);
registerDynamodbCommand(program);

await program.parseAsync(process.argv);
