import type { Logger } from 'pino';
import type { ItemStore } from '../../store/item-store.js';
import { markInterrupted } from './claim.js';

export interface SweeperDeps {
  items: ItemStore;
  logger: Logger;
  now: () => Date;
}

const BATCH = 500;

/**
 * Finds items left in `releasing` after their lease ended (the releasing process died) and puts
 * them back in quarantine marked `interrupted`: they may have been delivered, so they are not resent
 * without `force`. Answers how many it marked.
 */
export async function sweepExpiredLeases(deps: SweeperDeps): Promise<number> {
  let marked = 0;
  for (;;) {
    const expired = await deps.items.listExpiredLeases(deps.now().toISOString(), BATCH);
    let changed = 0;
    for (const item of expired) {
      const after = await markInterrupted(deps.items, deps, item);
      if (after?.status !== 'releasing') changed += 1;
    }
    marked += changed;
    if (expired.length < BATCH || changed === 0) return marked;
  }
}

/** Runs the sweep every `intervalMs` inside `serve`. */
export class LeaseSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: SweeperDeps,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    const tick = () => {
      this.running = sweepExpiredLeases(this.deps)
        .then((marked) => {
          if (marked > 0) this.deps.logger.warn({ event: 'LEASES_SWEPT', marked });
        })
        .catch((error: unknown) => this.deps.logger.error({ event: 'LEASE_SWEEP_FAILED', err: error }))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
