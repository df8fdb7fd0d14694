// Rewrites the generated table in docs/configuration.md from the config schema, src/config/config-schema.ts (built to dist/).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigTable } from '../dist/config/config-docs.js';

const path = new URL('../docs/configuration.md', import.meta.url);
const text = readFileSync(path, 'utf8');
const start = '<!-- config-table:start -->';
const end = '<!-- config-table:end -->';
const before = text.slice(0, text.indexOf(start) + start.length);
const after = text.slice(text.indexOf(end));
writeFileSync(path, `${before}\n${renderConfigTable()}\n${after}`);
