import { Limiter } from '../../core/limiter.js';

export interface WindowStats {
  initial: number;
  current: number;
  min: number;
  max: number;
  shrinks: number;
  grows: number;
}

/**
 * The number of items in flight, adapted like TCP congestion control: halved on a throttling
 * signal (at most once per cool-down, since one overload burst fails many calls at once), and grown
 * by one after a window's worth of successful store calls, back up to the configured size.
 */
export class AdaptiveWindow {
  readonly limiter: Limiter;
  private readonly stats: WindowStats;
  private successes = 0;
  private lastShrink = Number.NEGATIVE_INFINITY;

  constructor(
    private size: number,
    private readonly coolDownMs = 100,
    private readonly now: () => number = Date.now,
  ) {
    this.limiter = new Limiter(size);
    this.stats = { initial: size, current: size, min: size, max: size, shrinks: 0, grows: 0 };
  }

  get current(): number {
    return this.limiter.limit;
  }

  /** Lowers the most items in flight (the size it grows back to) to `size`, if that is smaller. */
  cap(size: number): void {
    if (size >= this.size) return;
    this.size = Math.max(1, size);
    this.stats.initial = this.size;
    if (this.limiter.limit > this.size) this.limiter.setLimit(this.size);
    this.stats.max = Math.min(this.stats.max, this.size);
    this.record();
  }

  /** A store answered with a throttling signal. */
  throttled(): void {
    const at = this.now();
    if (at - this.lastShrink < this.coolDownMs) return;
    this.lastShrink = at;
    const next = Math.max(1, Math.floor(this.limiter.limit / 2));
    if (next === this.limiter.limit) return;
    this.limiter.setLimit(next);
    this.successes = 0;
    this.stats.shrinks += 1;
    this.record();
  }

  /** A store call succeeded. */
  succeeded(): void {
    if (this.limiter.limit >= this.size) return;
    this.successes += 1;
    if (this.successes < this.limiter.limit) return;
    this.successes = 0;
    this.limiter.setLimit(this.limiter.limit + 1);
    this.stats.grows += 1;
    this.record();
  }

  snapshot(): WindowStats {
    return { ...this.stats, current: this.limiter.limit };
  }

  private record(): void {
    const current = this.limiter.limit;
    this.stats.current = current;
    this.stats.min = Math.min(this.stats.min, current);
    this.stats.max = Math.max(this.stats.max, current);
  }
}
