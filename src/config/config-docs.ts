import { CONFIG_KEYS, type ConfigKey, type KeyType } from './config-keys.js';

function describeType(type: KeyType): string {
  switch (type.kind) {
    case 'string':
      return 'text';
    case 'bool':
      return 'true/false';
    case 'port':
      return 'port';
    case 'int':
      return `integer ${type.min}–${type.max}`;
    case 'enum':
      return type.values.join(' \\| ');
    case 'list':
      return type.values ? `list of ${type.values.join(' \\| ')}` : 'list';
  }
}

/** The configuration table of docs/configuration.md, rendered from the key table. */
export function renderConfigTable(): string {
  const rows = (CONFIG_KEYS as readonly ConfigKey[]).map(
    (key) =>
      `| \`${key.path}\` | \`${key.env}\` | ${describeType(key.type)} | ${key.default === undefined ? '—' : `\`${key.default}\``} | ${key.description.replace(/\|/g, '\\|')} |`,
  );
  return [
    '| key (config file) | environment | type | default | meaning |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
