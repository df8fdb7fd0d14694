import type { Logger } from 'pino';
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
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = maintenance
      .run(now())
      .then(
        (report) => {
          const found =
            report.sweptWrites + report.finishedWrites + (report.orphanBlobs ?? 0) + (report.staleTemp ?? 0);
          if (found > 0) {
            logger.warn({ event: 'STORE_SWEPT', ...report });
          }
        },
        (error: unknown) => logger.error({ event: 'STORE_MAINTENANCE_FAILED', err: error }),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, maintenance.intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
