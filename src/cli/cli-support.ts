import { type Command, InvalidArgumentError } from 'commander';
import type { AuditOrigin } from '../auth/audit.js';
import type { Config } from '../config/load-config.js';
import { systemActor } from '../core/actor.js';
import { isLazaretError } from '../core/errors.js';
import { openStores, type Stores } from '../store/open-stores.js';
import { loadCliConfig } from './load-cli-config.js';

export { loadCliConfig };

/**
 * A commander option parser for a whole number of at least `least`: plain decimal digits only, so
 * `0x10`, `1e3`, `12abc` and `-1` are refused rather than read as some other number.
 */
export function wholeNumberAtLeast(least: number): (value: string) => number {
  return (value) => {
    if (!/^[0-9]{1,15}$/.test(value) || Number(value) < least) {
      throw new InvalidArgumentError(`expected a whole number (decimal digits) of at least ${least}`);
    }
    return Number(value);
  };
}

/** The audit origin of CLI work: the operator at this machine. */
export function cliOrigin(): AuditOrigin {
  return { actor: systemActor('cli') };
}

export function addConfigOption(command: Command): Command {
  return command.option(
    '-c, --config <file>',
    'JSON config file (default: $LAZARET_CONFIG, else /etc/lazaret/lazaret.json if present); LAZARET_* variables override it',
  );
}

/**
 * Runs a command over the configured stores (the same ones `serve` uses, safely shared with a running
 * server) and closes them; a LazaretError becomes `lazaret: message` on stderr and exit code 1.
 */
export async function withStores(
  options: { config?: string },
  work: (stores: Stores & { now: () => Date }, config: Config) => Promise<void>,
): Promise<void> {
  const config = loadCliConfig(options.config);
  let stores: Stores;
  try {
    stores = await openStores(config);
  } catch (error) {
    if (!isLazaretError(error)) throw error;
    process.stderr.write(`lazaret: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  try {
    await work({ ...stores, now: () => new Date() }, config);
  } catch (error) {
    if (!isLazaretError(error)) throw error;
    process.stderr.write(`lazaret: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await stores.close();
  }
}

/** The first line of standard input (for `--password-stdin`), without its line ending. */
export async function readFirstLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

export function printTable(rows: string[][]): void {
  if (rows.length === 0) return;
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const row of rows) {
    process.stdout.write(
      `${row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}
