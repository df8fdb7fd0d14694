import { type TSchema, Type } from 'typebox';
import { ConfigSchema, type DeprecatedAlias, isSection, NON_BLANK } from './config-schema.js';

/** The shape of a key's value, read from its schema: how it is written in the environment and the docs. */
export type KeyKind =
  | { kind: 'string'; nonEmpty: boolean }
  | { kind: 'int'; min: number; max: number; port: boolean }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list'; values: readonly string[] | undefined }
  | { kind: 'objects' };

function kindOf(path: string, schema: TSchema): KeyKind {
  if (Type.IsString(schema))
    return { kind: 'string', nonEmpty: (schema as { pattern?: string }).pattern === NON_BLANK };
  if (Type.IsInteger(schema))
    return {
      kind: 'int',
      min: (schema as { minimum?: number }).minimum!,
      max: (schema as { maximum?: number }).maximum!,
      port: (schema as { port?: true }).port === true,
    };
  if (Type.IsBoolean(schema)) return { kind: 'bool' };
  if (Type.IsEnum(schema)) return { kind: 'enum', values: schema.enum as string[] };
  if (Type.IsArray(schema) && Type.IsObject(schema.items)) return { kind: 'objects' };
  if (Type.IsArray(schema))
    return { kind: 'list', values: Type.IsEnum(schema.items) ? (schema.items.enum as string[]) : undefined };
  throw new Error(`configuration key ${path} has a type the loader cannot read`);
}

/** One key of the config schema, flattened: where it is set, what it holds, and its schema. */
export interface ConfigKey {
  /** Dotted path in the config file and in the Config object. */
  path: string;
  env: string;
  /** The key's own schema, against which its value is checked. */
  schema: TSchema;
  type: KeyKind;
  default: unknown;
  description: string;
  secret: boolean;
  alias: DeprecatedAlias | undefined;
}

function flatten(section: TSchema & { properties: Record<string, TSchema> }, prefix: string): ConfigKey[] {
  return Object.entries(section.properties).flatMap(([name, schema]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    if (isSection(schema)) return flatten(schema, path);
    const meta = schema as TSchema & {
      env: string;
      description: string;
      default?: unknown;
      secret?: true;
      alias?: DeprecatedAlias;
    };
    return [
      {
        path,
        env: meta.env,
        schema,
        type: kindOf(path, schema),
        default: meta.default,
        description: meta.description,
        secret: meta.secret === true,
        alias: meta.alias,
      },
    ];
  });
}

/** Every key of ConfigSchema in the schema's order: the loader, the docs table and redaction walk it. */
export const CONFIG_KEYS: readonly ConfigKey[] = flatten(ConfigSchema, '');

const BY_PATH = new Map(CONFIG_KEYS.map((key) => [key.path, key]));

/** The key at `path`; throws for a path the schema does not have. */
export function configKey(path: string): ConfigKey {
  const key = BY_PATH.get(path);
  if (!key) throw new Error(`no configuration key ${path}`);
  return key;
}
