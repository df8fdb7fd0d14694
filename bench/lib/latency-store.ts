import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Wraps a store so that every method call waits `ms` first: a stand-in for the network round trip
 * to a remote database such as DynamoDB. Batched calls pay it once, as they would over the wire.
 */
export function withLatency<T extends object>(store: T, ms: number): T {
  if (ms === 0) return store;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      return async (...args: unknown[]) => {
        await sleep(ms);
        return (value as (...inner: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
