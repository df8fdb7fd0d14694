import { CONFIG_KEYS, type KeyKind } from './config-keys.js';

function describeType(type: KeyKind): string {
  switch (type.kind) {
    case 'string':
      return 'text';
    case 'bool':
      return 'true/false';
    case 'int':
      return type.port ? 'port' : `integer ${type.min}–${type.max}`;
    case 'enum':
      return type.values.join(' \\| ');
    case 'list':
      return type.values ? `list of ${type.values.join(' \\| ')}` : 'list';
    case 'objects':
      return 'JSON list of objects';
  }
}

function describeDefault(value: unknown): string {
  if (value === undefined) return '—';
  return `\`${Array.isArray(value) ? value.join(',') : String(value)}\``;
}

/** The configuration table of docs/configuration.md, rendered from the config schema. */
export function renderConfigTable(): string {
  const rows = CONFIG_KEYS.map(
    (key) =>
      `| \`${key.path}\` | \`${key.env}\` | ${describeType(key.type)} | ${describeDefault(key.default)} | ${key.description.replace(/\|/g, '\\|')} |`,
  );
  return [
    '| key (config file) | environment | type | default | meaning |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The table of deprecated spellings in docs/configuration.md, rendered from the config schema. */
export function renderAliasTable(): string {
  const rows = CONFIG_KEYS.filter((key) => key.alias).map(
    (key) => `| \`${key.alias!.path}\` | \`${key.alias!.env}\` | \`${key.path}\` | \`${key.env}\` |`,
  );
  return [
    '| deprecated key | deprecated environment | use instead | environment |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}
