import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export type Row = Record<string, string | number>;

export interface CaseResult {
  case: string;
  title: string;
  notes: string[];
  rows: Row[];
}

export function machine(): Record<string, string | number> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

function format(value: string | number): string {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(value >= 10 ? 1 : 2);
}

/** Prints a result as an aligned table and writes bench/results/<case>.json. */
export function report(result: CaseResult, resultsDir = join(import.meta.dirname, '..', 'results')): void {
  const columns = [...new Set(result.rows.flatMap((row) => Object.keys(row)))];
  const cells = result.rows.map((row) => columns.map((column) => format(row[column] ?? '')));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...cells.map((line) => line[index]!.length)),
  );
  const line = (values: string[]) =>
    `| ${values.map((value, index) => (index === 0 ? value.padEnd(widths[index]!) : value.padStart(widths[index]!))).join(' | ')} |`;
  const out = [
    '',
    `## ${result.title}`,
    '',
    line(columns),
    `|${widths.map((width, index) => (index === 0 ? ':' : '-') + '-'.repeat(width) + (index === 0 ? '-' : ':')).join('|')}|`,
    ...cells.map(line),
    ...result.notes.map((note) => `\n${note}`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, `${result.case}.json`),
    `${JSON.stringify({ ...result, machine: machine(), at: new Date().toISOString() }, null, 2)}\n`,
  );
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}
