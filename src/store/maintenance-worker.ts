import type { Logger } from 'pino';
import { startPeriodicTask } from '../core/periodic-task.js';
import type { StoreMaintenance } from './open-stores.js';

export interface MaintenanceWorker {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs the stores' upkeep (the DynamoDB sweeper, the embedded store's orphan blob sweep) now and then every `intervalMs`, one run at a time.
 * Every node runs it; the runs are safe together.
 */
export function startMaintenance(
  maintenance: StoreMaintenance | null,
  logger: Logger,
  now: () => Date,
): MaintenanceWorker {
  if (!maintenance) return { stop: async () => undefined };
  const task = startPeriodicTask(() => maintenance.run(now()), {
    intervalMs: maintenance.intervalMs,
    failureEvent: 'STORE_MAINTENANCE_FAILED',
    logger,
    onReport: (report) => {
      const found =
        report.sweptWrites + report.finishedWrites + (report.orphanBlobs ?? 0) + (report.staleTemp ?? 0);
      if (found > 0) logger.warn({ event: 'STORE_SWEPT', ...report });
    },
  });
  void task.runOnce();
  return task;
}
