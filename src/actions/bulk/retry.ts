import { isLazaretError, isThrottling } from '../../core/errors.js';

export interface RetryOptions {
  /** Tries in all, the first included. */
  tries: number;
  /** First back-off; doubles with each further try, with jitter. */
  backoffMs: number;
  /** Told of each throttling signal before the back-off. */
  onThrottle?: () => void;
  /**
   * When set, a call that finds the disk full (`insufficient_storage`) is tried again after this many
   * milliseconds for as long as it takes: a job pauses until space returns rather than failing items.
   * These tries do not count towards `tries`.
   */
  fullDiskPauseMs?: number | undefined;
  /** Told of each pause for a full disk. */
  onFullDisk?: () => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a store call, retrying it after an exponential back-off with jitter while the store answers
 * with a throttling signal (`store_throttled`), and with `fullDiskPauseMs`, for as long as the disk
 * is full; any other failure, or the last try's, is thrown. `attempt` counts every try.
 */
export async function retryThrottled<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  let throttledTries = 0;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work(attempt);
    } catch (error) {
      if (options.fullDiskPauseMs !== undefined && isLazaretError(error, 'insufficient_storage')) {
        options.onFullDisk?.();
        await sleep(options.fullDiskPauseMs);
        continue;
      }
      throttledTries += 1;
      if (!isThrottling(error) || throttledTries >= options.tries) throw error;
      options.onThrottle?.();
      const base = options.backoffMs * 2 ** (throttledTries - 1);
      await sleep(base / 2 + Math.random() * base);
    }
  }
}
