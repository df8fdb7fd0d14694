import { CONFIG_KEYS } from './config-keys.js';
import type { Config } from './config-schema.js';

export const REDACTED = '[redacted]';

/** A deep copy of `config` with every key the table marks as secret replaced by [redacted] when set. */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const key of CONFIG_KEYS) {
    if (!key.secret) continue;
    const parts = key.path.split('.');
    let node: Record<string, unknown> | undefined = copy;
    for (const part of parts.slice(0, -1)) node = node?.[part] as Record<string, unknown> | undefined;
    const last = parts.at(-1)!;
    if (node && node[last] !== undefined) node[last] = REDACTED;
  }
  return copy;
}
