/**
 * A counting semaphore whose capacity may change while in use. `acquire(n)` waits until n units are
 * free; a request larger than the capacity is let through when nothing else holds a unit, so one big
 * unit of work never waits forever. Waiters are served in order.
 */
export class Limiter {
  private used = 0;
  /** Waiters in order; served from `head`, so that a long queue is not shifted on every wake. */
  private waiters: { units: number; resolve: () => void }[] = [];
  private head = 0;

  constructor(private capacity: number) {}

  get limit(): number {
    return this.capacity;
  }

  get inUse(): number {
    return this.used;
  }

  setLimit(capacity: number): void {
    this.capacity = capacity;
    this.wake();
  }

  acquire(units = 1): Promise<void> {
    if (this.head === this.waiters.length && this.fits(units)) {
      this.used += units;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ units, resolve }));
  }

  release(units = 1): void {
    this.used -= units;
    this.wake();
  }

  /** Runs `work` holding `units`. */
  async run<T>(work: () => Promise<T>, units = 1): Promise<T> {
    await this.acquire(units);
    try {
      return await work();
    } finally {
      this.release(units);
    }
  }

  private fits(units: number): boolean {
    return this.used + units <= this.capacity || this.used === 0;
  }

  private wake(): void {
    while (this.head < this.waiters.length && this.fits(this.waiters[this.head]!.units)) {
      const next = this.waiters[this.head]!;
      this.head += 1;
      this.used += next.units;
      next.resolve();
    }
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
  }
}
