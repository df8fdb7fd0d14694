import { type PeriodicTask, startPeriodicTask } from '../core/periodic-task.js';
import { type PurgeDeps, purgeExpired } from './purge.js';

export type PurgeWorker = PeriodicTask;

export interface PurgeWorkerOptions {
  /** Seconds between runs; 0 starts no timer (runOnce still works). */
  intervalSeconds: number;
  batchSize: number;
}

/**
 * The retention purge inside `serve`: every `intervalSeconds`, one purge at a time. Several
 * processes may run it against one store: each expiry is a conditional write.
 */
export function startPurgeWorker(deps: PurgeDeps, options: PurgeWorkerOptions): PurgeWorker {
  return startPeriodicTask(() => purgeExpired(deps, { batchSize: options.batchSize }), {
    intervalMs: options.intervalSeconds * 1000,
    failureEvent: 'PURGE_FAILED',
    logger: deps.logger,
    onReport: (report) => {
      if (report.expiredItems > 0 || report.removedBlobs > 0 || report.skipped > 0) {
        deps.logger.info({
          event: 'PURGE_DONE',
          expiredItems: report.expiredItems,
          removedBlobs: report.removedBlobs,
          skipped: report.skipped,
        });
      }
    },
  });
}
