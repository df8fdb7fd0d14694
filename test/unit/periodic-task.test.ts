import { afterEach, describe, expect, it, vi } from 'vitest';
import { startPeriodicTask } from '../../src/core/periodic-task.js';
import { memoryLogger } from '../support/memory-logger.js';

/** A run the test finishes by hand. */
function gatedRuns() {
  const gates: (() => void)[] = [];
  let started = 0;
  const run = () => {
    started += 1;
    return new Promise<number>((resolve) => gates.push(() => resolve(started)));
  };
  return {
    run,
    started: () => started,
    finishAll: () => {
      for (const open of gates.splice(0)) open();
    },
  };
}

describe('periodic task', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs one at a time: runOnce during a run waits for that run instead of starting another', async () => {
    const { logger } = memoryLogger();
    const runs = gatedRuns();
    const reports: number[] = [];
    const task = startPeriodicTask(runs.run, {
      intervalMs: 0,
      failureEvent: 'X_FAILED',
      logger,
      onReport: (n) => reports.push(n),
    });
    const first = task.runOnce();
    const second = task.runOnce();
    expect(runs.started()).toBe(1);
    runs.finishAll();
    await Promise.all([first, second]);
    expect(reports).toEqual([1]);
  });

  it('logs a failed run under its event and keeps the timer going', async () => {
    vi.useFakeTimers();
    const { logger, lines } = memoryLogger();
    let calls = 0;
    const task = startPeriodicTask(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('directory away');
        return calls;
      },
      { intervalMs: 1000, failureEvent: 'X_FAILED', logger },
    );
    await vi.advanceTimersByTimeAsync(1000);
    expect(lines.filter((line) => line.event === 'X_FAILED')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(2);
    await task.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(2);
  });

  it('starts no timer for an interval of 0, and stop waits for the run in progress', async () => {
    vi.useFakeTimers();
    const { logger } = memoryLogger();
    const runs = gatedRuns();
    const task = startPeriodicTask(runs.run, { intervalMs: 0, failureEvent: 'X_FAILED', logger });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs.started()).toBe(0);
    void task.runOnce();
    let stopped = false;
    const stopping = task.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    runs.finishAll();
    await stopping;
    expect(stopped).toBe(true);
  });
});
