import { isThrottling } from '../../core/errors.js';

export interface RetryOptions {
  /** Tries in all, the first included. */
  tries: number;
  /** First back-off; doubles with each further try, with jitter. */
  backoffMs: number;
  /** Told of each throttling signal before the back-off. */
  onThrottle?: () => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a store call, retrying it after an exponential back-off with jitter while the store answers
 * with a throttling signal (`store_throttled`); any other failure, or the last try's, is thrown.
 */
export async function retryThrottled<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work(attempt);
    } catch (error) {
      if (!isThrottling(error) || attempt >= options.tries) throw error;
      options.onThrottle?.();
      const base = options.backoffMs * 2 ** (attempt - 1);
      await sleep(base / 2 + Math.random() * base);
    }
  }
}
