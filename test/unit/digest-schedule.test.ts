import { describe, expect, it } from 'vitest';
import {
  type EffectiveSchedule,
  effectiveSchedule,
  periodStart,
  wallClock,
  zonedInstant,
} from '../../src/digest/schedule.js';

const at = (iso: string) => new Date(iso);
const start = (schedule: EffectiveSchedule, iso: string) => periodStart(schedule, at(iso))?.toISOString();
const daily = (hour: number, timeZone: string): EffectiveSchedule => ({
  frequency: 'daily',
  hour,
  weekday: 1,
  timeZone,
});

/**
 * Steps a controlled clock from `from` to `to` and sends whenever the period start passes the last
 * one sent, exactly as the worker decides; answers the send times.
 */
function simulate(schedule: EffectiveSchedule, from: string, to: string, stepMinutes = 5): string[] {
  const sent: string[] = [];
  let last: string | null = null;
  for (let now = Date.parse(from); now <= Date.parse(to); now += stepMinutes * 60_000) {
    const period = periodStart(schedule, new Date(now))?.toISOString() ?? null;
    if (period !== null && (last === null || period > last)) {
      last = period;
      sent.push(new Date(now).toISOString());
    }
  }
  return sent;
}

describe('zonedInstant', () => {
  it('converts a wall-clock hour to the instant it happens', () => {
    expect(new Date(zonedInstant(2026, 7, 1, 8, 'Europe/Berlin')).toISOString()).toBe(
      '2026-07-01T06:00:00.000Z',
    );
    expect(new Date(zonedInstant(2026, 1, 15, 8, 'America/New_York')).toISOString()).toBe(
      '2026-01-15T13:00:00.000Z',
    );
    expect(new Date(zonedInstant(2026, 1, 15, 0, 'Asia/Kolkata')).toISOString()).toBe(
      '2026-01-14T18:30:00.000Z',
    );
  });

  it('takes the moment the clocks jump when the hour never happens, and the first of a repeated hour', () => {
    // Berlin: 02:00 CET jumps to 03:00 CEST at 01:00 UTC on 29 March 2026.
    expect(new Date(zonedInstant(2026, 3, 29, 2, 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    // Berlin: 02:00 happens twice on 25 October 2026 (00:00 UTC in CEST, 01:00 UTC in CET).
    expect(new Date(zonedInstant(2026, 10, 25, 2, 'Europe/Berlin')).toISOString()).toBe(
      '2026-10-25T00:00:00.000Z',
    );
    // Lord Howe Island moves by half an hour: 02:00 becomes 02:30 on 4 October 2026.
    const jump = zonedInstant(2026, 10, 4, 2, 'Australia/Lord_Howe');
    expect(wallClock(jump, 'Australia/Lord_Howe')).toMatchObject({ hour: 2, minute: 30 });
  });
});

describe('periodStart', () => {
  it('is null for never', () => {
    expect(periodStart({ ...daily(8, 'UTC'), frequency: 'never' }, at('2026-05-01T10:00:00Z'))).toBeNull();
  });

  it('starts daily periods at the local hour, today or yesterday', () => {
    const berlin8 = daily(8, 'Europe/Berlin');
    expect(start(berlin8, '2026-07-01T05:59:59Z')).toBe('2026-06-30T06:00:00.000Z');
    expect(start(berlin8, '2026-07-01T06:00:00Z')).toBe('2026-07-01T06:00:00.000Z');
    expect(start(daily(8, 'America/Los_Angeles'), '2026-07-01T06:00:00Z')).toBe('2026-06-30T15:00:00.000Z');
  });

  it('starts hourly periods at the local hour, which is half past in India', () => {
    const hourly: EffectiveSchedule = { frequency: 'hourly', hour: 0, weekday: 0, timeZone: 'Asia/Kolkata' };
    expect(start(hourly, '2026-07-01T10:29:59Z')).toBe('2026-07-01T09:30:00.000Z');
    expect(start(hourly, '2026-07-01T10:30:00Z')).toBe('2026-07-01T10:30:00.000Z');
  });

  it('starts weekly periods on the chosen local day and hour', () => {
    // Monday 8:00 in New York; 2026-07-06 is a Monday.
    const weekly: EffectiveSchedule = {
      frequency: 'weekly',
      hour: 8,
      weekday: 1,
      timeZone: 'America/New_York',
    };
    expect(start(weekly, '2026-07-06T11:59:00Z')).toBe('2026-06-29T12:00:00.000Z');
    expect(start(weekly, '2026-07-06T12:00:00Z')).toBe('2026-07-06T12:00:00.000Z');
    expect(start(weekly, '2026-07-12T23:00:00Z')).toBe('2026-07-06T12:00:00.000Z');
    // Sunday 23:00 in Auckland is still Sunday morning in UTC.
    const sunday: EffectiveSchedule = {
      frequency: 'weekly',
      hour: 23,
      weekday: 0,
      timeZone: 'Pacific/Auckland',
    };
    expect(start(sunday, '2026-07-05T11:00:00Z')).toBe('2026-07-05T11:00:00.000Z');
  });
});

describe('a controlled clock across daylight-saving changes sends one digest per period', () => {
  it('daily at 02:00 in Berlin across both changes: one a day, at the jump in spring', () => {
    const spring = simulate(daily(2, 'Europe/Berlin'), '2026-03-27T12:00:00Z', '2026-03-31T12:00:00Z');
    expect(spring).toEqual([
      '2026-03-27T12:00:00.000Z', // the first digest goes out at once
      '2026-03-28T01:00:00.000Z',
      '2026-03-29T01:00:00.000Z', // 02:00 does not exist: sent when the clocks jump to 03:00
      '2026-03-30T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
    ]);
    const autumn = simulate(daily(2, 'Europe/Berlin'), '2026-10-24T12:00:00Z', '2026-10-27T12:00:00Z');
    expect(autumn).toEqual([
      '2026-10-24T12:00:00.000Z',
      '2026-10-25T00:00:00.000Z', // 02:00 happens twice: only the first counts
      '2026-10-26T01:00:00.000Z',
      '2026-10-27T01:00:00.000Z',
    ]);
  });

  it('hourly in Berlin: 23 digests on the short day, 25 on the long one', () => {
    const hourly: EffectiveSchedule = { frequency: 'hourly', hour: 0, weekday: 0, timeZone: 'Europe/Berlin' };
    // Local midnight to midnight: 28 March 23:00 UTC to 29 March 22:00 UTC is 23 hours.
    expect(simulate(hourly, '2026-03-28T23:00:00Z', '2026-03-29T21:59:00Z', 1)).toHaveLength(23);
    expect(simulate(hourly, '2026-10-24T22:00:00Z', '2026-10-25T22:59:00Z', 1)).toHaveLength(25);
  });

  it('weekly on Monday 08:00 in New York keeps local time across the changes', () => {
    const weekly: EffectiveSchedule = {
      frequency: 'weekly',
      hour: 8,
      weekday: 1,
      timeZone: 'America/New_York',
    };
    const sent = simulate(weekly, '2026-03-02T14:00:00Z', '2026-03-16T14:00:00Z', 15);
    expect(sent).toEqual([
      '2026-03-02T14:00:00.000Z',
      '2026-03-09T12:00:00.000Z',
      '2026-03-16T12:00:00.000Z',
    ]);
    const autumn = simulate(weekly, '2026-10-26T13:00:00Z', '2026-11-09T14:00:00Z', 15);
    expect(autumn).toEqual([
      '2026-10-26T13:00:00.000Z',
      '2026-11-02T13:00:00.000Z',
      '2026-11-09T13:00:00.000Z',
    ]);
  });

  it('a whole year in several zones: exactly one daily digest per local day', () => {
    for (const timeZone of [
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      'UTC',
    ]) {
      for (const hour of [0, 2, 8, 23]) {
        const sent = simulate(daily(hour, timeZone), '2026-01-01T00:00:00Z', '2026-12-31T23:59:00Z', 60);
        const days = sent.slice(1).map((iso) => {
          const wall = wallClock(Date.parse(iso), timeZone);
          return `${wall.year}-${wall.month}-${wall.day}`;
        });
        expect(new Set(days).size, `${timeZone} at ${hour}`).toBe(days.length);
        expect(days.length, `${timeZone} at ${hour}`).toBeGreaterThanOrEqual(363);
        expect(days.length, `${timeZone} at ${hour}`).toBeLessThanOrEqual(365);
      }
    }
  });

  it('changing the time zone does not send a period twice', () => {
    const berlin = daily(8, 'Europe/Berlin');
    const la = daily(8, 'America/Los_Angeles');
    const last = periodStart(berlin, at('2026-07-01T06:00:00Z'))!.toISOString();
    // Moving to Los Angeles the same morning: their 08:00 yesterday is older than what was sent.
    const next = periodStart(la, at('2026-07-01T07:00:00Z'))!.toISOString();
    expect(next < last).toBe(true);
    expect(periodStart(la, at('2026-07-01T15:00:00Z'))!.toISOString() > last).toBe(true);
  });
});

describe('effectiveSchedule', () => {
  it('inherits field by field: user, then domain, then global, then configuration', () => {
    const defaults = { frequency: 'never' as const, hour: 8, weekday: 1, timeZone: 'UTC' };
    expect(effectiveSchedule([], defaults)).toEqual(defaults);
    expect(
      effectiveSchedule(
        [{ timeZone: 'Europe/Berlin' }, { frequency: 'weekly', hour: 9 }, { frequency: 'daily', weekday: 5 }],
        defaults,
      ),
    ).toEqual({ frequency: 'weekly', hour: 9, weekday: 5, timeZone: 'Europe/Berlin' });
    expect(effectiveSchedule([undefined, { hour: 0 }], defaults).hour).toBe(0);
  });
});
