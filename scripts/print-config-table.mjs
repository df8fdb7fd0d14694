#!/usr/bin/env node
// Prints the Markdown table of configuration keys from the built key table (run `npm run build` first).
// Usage: node scripts/print-config-table.mjs [path-regexp]   e.g. '^(mode$|filter\.|scanners\.|retention\.)'
import { CONFIG_KEYS } from '../dist/config/config-keys.js';

const filter = new RegExp(process.argv[2] ?? '.');
const cell = (text) => String(text).replace(/\|/g, '\\|');
const type = (t) =>
  t.kind === 'enum'
    ? t.values.join(' \\| ')
    : t.kind === 'int'
      ? `int ${t.min}–${t.max}`
      : t.kind === 'list'
        ? `list${t.values ? ` of ${t.values.join(', ')}` : ''}`
        : t.kind;
const value = (key) => (key.default === undefined ? '—' : key.default === '' ? '(empty)' : `\`${key.default}\``);
let out = '| Key | Environment | Type | Default | Meaning |\n| --- | --- | --- | --- | --- |\n';
for (const key of CONFIG_KEYS.filter((key) => filter.test(key.path))) {
  out += `| \`${key.path}\` | \`${key.env}\` | ${type(key.type)} | ${value(key)} | ${cell(key.description)} |\n`;
}
process.stdout.write(out);
