import { describe, expect, it } from 'vitest';
import { AdaptiveWindow } from '../../src/actions/bulk/adaptive-window.js';
import { Watermark } from '../../src/actions/jobs/job-runner.js';
import { Limiter } from '../../src/core/limiter.js';

describe('Limiter', () => {
  it('admits up to its capacity, in order, and lets an oversized request through alone', async () => {
    const limiter = new Limiter(3);
    const order: string[] = [];
    await limiter.acquire(2);
    const big = limiter.acquire(5).then(() => order.push('big'));
    const small = limiter.acquire(1).then(() => order.push('small'));
    await Promise.resolve();
    expect(order).toEqual([]);
    limiter.release(2);
    await big;
    expect(limiter.inUse).toBe(5);
    limiter.release(5);
    await small;
    expect(order).toEqual(['big', 'small']);
  });

  it('admits more waiters when its capacity grows', async () => {
    const limiter = new Limiter(1);
    await limiter.acquire();
    let admitted = false;
    const waiting = limiter.acquire().then(() => {
      admitted = true;
    });
    limiter.setLimit(2);
    await waiting;
    expect(admitted).toBe(true);
  });
});

describe('Limiter with a long queue', () => {
  it('serves thousands of waiters in order, also while more join', async () => {
    const limiter = new Limiter(1);
    await limiter.acquire();
    const served: number[] = [];
    let joinedWhileServing: Promise<unknown> | undefined;
    const waiting = Array.from({ length: 5000 }, (_, index) =>
      limiter.acquire().then(() => {
        served.push(index);
        if (index === 2500) joinedWhileServing = limiter.acquire().then(() => served.push(5000));
        limiter.release();
      }),
    );
    limiter.release();
    await Promise.all(waiting);
    await joinedWhileServing;
    expect(served).toEqual(Array.from({ length: 5001 }, (_, index) => index));
    expect(limiter.inUse).toBe(1);
  });
});

describe('AdaptiveWindow', () => {
  it('halves on throttling at most once per cool-down and grows back by one per window of successes', () => {
    let now = 0;
    const window = new AdaptiveWindow(16, 100, () => now);
    window.throttled();
    window.throttled();
    expect(window.current).toBe(8);
    now = 150;
    window.throttled();
    expect(window.current).toBe(4);
    for (let index = 0; index < 4; index += 1) window.succeeded();
    expect(window.current).toBe(5);
    for (let index = 0; index < 200; index += 1) window.succeeded();
    expect(window.current).toBe(16);
    expect(window.snapshot()).toEqual({ initial: 16, current: 16, min: 4, max: 16, shrinks: 2, grows: 12 });
  });

  it('can be capped below its size, and then grows back only to the cap', () => {
    const window = new AdaptiveWindow(1024, 0);
    window.cap(64);
    expect(window.current).toBe(64);
    window.throttled();
    expect(window.current).toBe(32);
    for (let call = 0; call < 64 * 40; call += 1) window.succeeded();
    expect(window.current).toBe(64);
    window.cap(2048);
    expect(window.current).toBe(64);
  });

  it('never shrinks below one', () => {
    let now = 0;
    const window = new AdaptiveWindow(2, 0, () => now);
    for (let index = 0; index < 5; index += 1) {
      now += 1;
      window.throttled();
    }
    expect(window.current).toBe(1);
  });
});

describe('Watermark', () => {
  it('moves past an item only when every item before it has its outcome stored', () => {
    const mark = new Watermark(10);
    for (const seq of [12, 13, 15, 16]) mark.fetched(seq);
    mark.stored(13);
    expect(mark.cursor).toBe(10);
    mark.stored(12);
    expect(mark.cursor).toBe(13);
    mark.stored(16);
    expect(mark.cursor).toBe(13);
    mark.stored(15);
    expect(mark.cursor).toBe(16);
  });
});
