import type { Config } from '../config/load-config.js';
import type { DigestFrequency, DigestSchedule } from '../store/digest-store.js';

/** A schedule with every field decided. */
export interface EffectiveSchedule {
  frequency: DigestFrequency;
  hour: number;
  weekday: number;
  timeZone: string;
}

/**
 * Merges schedules field by field, most specific first (the user's own, the domain default, the
 * global default), falling back to the `digest.*` configuration for fields nobody set.
 */
export function effectiveSchedule(
  layers: readonly (DigestSchedule | undefined)[],
  defaults: Pick<Config['digest'], 'frequency' | 'hour' | 'weekday' | 'timeZone'>,
): EffectiveSchedule {
  const pick = <K extends keyof EffectiveSchedule>(key: K): EffectiveSchedule[K] => {
    for (const layer of layers) {
      const value = layer?.[key];
      if (value !== undefined) return value as EffectiveSchedule[K];
    }
    return defaults[key];
  };
  return {
    frequency: pick('frequency'),
    hour: pick('hour'),
    weekday: pick('weekday'),
    timeZone: pick('timeZone'),
  };
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 Sunday … 6 Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall clock in `timeZone` at `instant` (milliseconds since the epoch). */
export function wallClock(instant: number, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ''),
  };
}

/** The UTC offset of `timeZone` at `instant`, in milliseconds (wall clock minus UTC). */
function offsetAt(instant: number, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The first instant at which the wall clock in `timeZone` shows the given date at `hour`:00. When
 * that time happens twice (clocks go back) it is the first of them; when it never happens (clocks go
 * forward past it) it is the moment the clocks jump.
 */
export function zonedInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  timeZone: string,
): number {
  const key = `${timeZone}|${year}-${month}-${day}|${hour}`;
  let instant = instants.get(key);
  if (instant === undefined) {
    instant = computeZonedInstant(year, month, day, hour, timeZone);
    // The worker asks for the same few days over and over; a small memory spares the time zone math.
    if (instants.size >= 4096) instants.clear();
    instants.set(key, instant);
  }
  return instant;
}

const instants = new Map<string, number>();

function computeZonedInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  timeZone: string,
): number {
  const wanted = Date.UTC(year, month - 1, day, hour);
  const candidates = [
    wanted - offsetAt(wanted - 86_400_000, timeZone),
    wanted - offsetAt(wanted + 86_400_000, timeZone),
  ];
  const wallOf = (instant: number) => instant + offsetAt(instant, timeZone);
  const exact = candidates.filter((instant) => wallOf(instant) === wanted);
  if (exact.length > 0) return Math.min(...exact);
  // A gap: the clocks jump over the wanted time; the jump is the earliest candidate shown after it.
  return Math.min(...candidates.filter((instant) => wallOf(instant) > wanted));
}

function shiftDate(year: number, month: number, day: number, days: number): [number, number, number] {
  const date = new Date(Date.UTC(year, month - 1, day + days));
  return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
}

/**
 * The start of the period that `now` lies in: the latest instant at or before `now` at which a
 * digest of this schedule falls due (hourly: the start of the local hour; daily: the local `hour`
 * today or yesterday; weekly: the local `hour` on the latest `weekday`). Null for `never`. A digest
 * is due when this is later than the period last sent, so each period is sent once, across time
 * zone changes and daylight-saving jumps alike.
 */
export function periodStart(schedule: EffectiveSchedule, now: Date): Date | null {
  const instant = now.getTime();
  const wall = wallClock(instant, schedule.timeZone);
  /** The latest start at `hour` local time that many days back from today, not after now. */
  const latestStart = (daysBack: readonly number[], bound: string): Date => {
    for (const back of daysBack) {
      const start = zonedInstant(
        ...shiftDate(wall.year, wall.month, wall.day, -back),
        schedule.hour,
        schedule.timeZone,
      );
      if (start <= instant) return new Date(start);
    }
    throw new Error(`unreachable: ${bound}`);
  };
  switch (schedule.frequency) {
    case 'never':
      return null;
    case 'hourly':
      return new Date(Math.floor(instant / 1000) * 1000 - (wall.minute * 60 + wall.second) * 1000);
    case 'daily':
      return latestStart([0, 1, 2], 'a daily period starts within two days');
    case 'weekly': {
      const daysBack = (wall.weekday - schedule.weekday + 7) % 7;
      return latestStart(
        [daysBack, daysBack + 7, daysBack + 14],
        'a weekly period starts within three weeks',
      );
    }
  }
}
