// Rewrites the generated tables in docs/configuration.md from the config schema,
// src/config/config-schema.ts (built to dist/).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderAliasTable, renderConfigTable } from '../dist/config/config-docs.js';

const path = new URL('../docs/configuration.md', import.meta.url);
let text = readFileSync(path, 'utf8');
for (const [name, table] of [
  ['config-table', renderConfigTable()],
  ['config-aliases', renderAliasTable()],
]) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const before = text.slice(0, text.indexOf(start) + start.length);
  const after = text.slice(text.indexOf(end));
  text = `${before}\n${table}\n${after}`;
}
writeFileSync(path, text);
