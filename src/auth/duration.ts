import { LazaretError } from '../core/errors.js';

const UNITS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Parses a lifetime such as `90m`, `12h`, `30d` or `2w` into milliseconds (at most ten years). */
export function parseDuration(text: string): number {
  const match = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  const amount = match ? Number(match[1]) : 0;
  const ms = match ? amount * UNITS[match[2]!]! : 0;
  if (!match || amount === 0 || ms > 3650 * 86_400_000) {
    throw new LazaretError(
      'validation_error',
      `Invalid duration ${JSON.stringify(text)}: use a positive number with m, h, d or w, e.g. 30d (at most ten years).`,
      { duration: text },
    );
  }
  return ms;
}
