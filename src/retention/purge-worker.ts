import type { AppContext } from '../app-context.js';
import { purgeExpired } from './purge.js';

export interface PurgeWorker {
  /** Runs one purge now (waits for a running one instead of starting a second). */
  runOnce(): Promise<void>;
  /** Stops the timer and waits for a purge in progress. */
  stop(): Promise<void>;
}

/**
 * The retention purge inside `serve`: every retention.purgeIntervalSeconds, one purge at a time.
 * Several processes may run it against one store: each expiry is a conditional write.
 */
export function startPurgeWorker(context: AppContext): PurgeWorker {
  const { config, logger } = context;
  let running: Promise<void> | null = null;
  const runOnce = (): Promise<void> => {
    running ??= purgeExpired(context, { batchSize: config.retention.batchSize })
      .then(
        (report) => {
          if (report.expiredItems > 0 || report.removedBlobs > 0 || report.skipped > 0) {
            logger.info({
              event: 'PURGE_DONE',
              expiredItems: report.expiredItems,
              removedBlobs: report.removedBlobs,
              skipped: report.skipped,
            });
          }
        },
        (error: unknown) => logger.error({ event: 'PURGE_FAILED', err: error }),
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  const interval = config.retention.purgeIntervalSeconds;
  const timer = interval > 0 ? setInterval(() => void runOnce(), interval * 1000) : undefined;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
