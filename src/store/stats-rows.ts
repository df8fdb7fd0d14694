import type { Reason } from '../core/types.js';
import type { DayCounts } from './stats-store.js';

/** One row of the per-day counts both SQL backends read: a day and reason with its numbers. */
export interface DayRow {
  day: string;
  reason: string;
  held: number;
  released: number;
  deleted: number;
  expired: number;
}

/** The rows added up per day (a day may come in several rows: one per reason and source), in day order. */
export function daysOfRows(rows: readonly DayRow[]): DayCounts[] {
  const days = new Map<string, DayCounts>();
  for (const row of rows) {
    let day = days.get(row.day);
    if (!day) {
      day = { day: row.day, held: {}, released: 0, deleted: 0, expired: 0 };
      days.set(row.day, day);
    }
    const reason = row.reason as Reason;
    if (row.held > 0) day.held[reason] = (day.held[reason] ?? 0) + row.held;
    day.released += row.released;
    day.deleted += row.deleted;
    day.expired += row.expired;
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}
