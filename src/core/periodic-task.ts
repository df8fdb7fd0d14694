import type { Logger } from 'pino';

/** A background task run now and then, never twice at once. */
export interface PeriodicTask {
  /** Runs the task now, or waits for the run in progress instead of starting a second. */
  runOnce(): Promise<void>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export interface PeriodicTaskOptions<Report> {
  /** Milliseconds between runs; 0 starts no timer (runOnce still works). */
  intervalMs: number;
  /** Logged (at error level) with the error when a run fails; the timer keeps going. */
  failureEvent: string;
  logger: Logger;
  /** What to do with a run's report (log it, or not). */
  onReport?: (report: Report) => void;
}

/**
 * The one shape of every worker inside `serve` (retention purge, directory sync, store upkeep): a
 * timer that does not keep the process alive, single flight, failures logged instead of thrown.
 */
export function startPeriodicTask<Report>(
  run: () => Promise<Report>,
  options: PeriodicTaskOptions<Report>,
): PeriodicTask {
  let running: Promise<void> | null = null;
  const runOnce = (): Promise<void> => {
    running ??= run()
      .then(
        (report) => options.onReport?.(report),
        (error: unknown) => options.logger.error({ event: options.failureEvent, err: error }),
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = options.intervalMs > 0 ? setInterval(() => void runOnce(), options.intervalMs) : undefined;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
