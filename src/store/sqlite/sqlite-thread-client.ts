import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { LazaretError } from '../../core/errors.js';
import type { SqliteStores } from './open-sqlite-stores.js';
import {
  fromWire,
  type StoreCall,
  type StoreThreadData,
  type StoreThreadMessage,
} from './store-thread-protocol.js';

/** A store as seen from another thread: each method answers a promise of what it returns there. */
export type Remote<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

export type RemoteSqliteStores = { [K in keyof SqliteStores]: Remote<SqliteStores[K]> };

export interface SqliteThread {
  stores: RemoteSqliteStores;
  /** Closes every store and the database, then ends the thread. */
  close(): Promise<void>;
}

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Starts the store thread (sqlite-thread.ts) on the database at `path`. From the built package the
 * thread runs the compiled module; from the TypeScript sources (tests, `tsx`) it registers tsx first.
 */
function startWorker(data: StoreThreadData): Worker {
  // The thread keeps little JS state of its own, so a small young generation is enough. Not shown to
  // lower peak RSS: 351 → 335 MiB in one run of the 100,000-item release job, 350 in the case after.
  const options = {
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
    // A worker inherits the process's options, but one that only means something for an `--eval`
    // string (a script run with `node --input-type=module -e`) stops a worker from starting.
    execArgv: process.execArgv.filter((arg) => !arg.startsWith('--input-type')),
  };
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./sqlite-thread.js', import.meta.url), options);
  const entry = new URL('./sqlite-thread.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * Opens the embedded database on a thread of its own and answers stores that call into it. Each call
 * is one message each way; the thread runs calls in the order they arrive, so group commit gathers
 * there what many sessions write at once. `keepsRawInline`: the item store takes a message's raw bytes
 * into its commit — set it only where a SqliteBlobStore over the thread's `inlineBlobs` reads them.
 */
export async function openSqliteThread(
  path: string,
  options: { logger?: Logger; keepsRawInline?: boolean } = {},
): Promise<SqliteThread> {
  const worker = startWorker({ path, keepsRawInline: options.keepsRawInline ?? false });
  const pending = new Map<number, PendingCall>();
  let nextId = 1;
  let stopped: Error | null = null;

  const stop = (error: Error) => {
    if (stopped) return;
    stopped = error;
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  };
  // A process waits for an answer only while one is due, as it would for a socket.
  const keepAlive = () => (pending.size > 0 ? worker.ref() : worker.unref());

  const methods = await new Promise<Record<string, string[]>>((resolve, reject) => {
    // Only our own listeners come off again: the worker keeps internal ones of its own.
    const detach = () => worker.off('error', onError).off('exit', onExit).off('message', onStart);
    const onError = (error: Error) => {
      detach();
      reject(error);
    };
    const onExit = (code: number) => {
      detach();
      reject(new LazaretError('store_error', `The store thread ended at start (exit code ${code})`));
    };
    const onStart = (message: StoreThreadMessage) => {
      detach();
      if (message.kind === 'ready') resolve(message.methods);
      else
        reject(message.kind === 'failed' ? fromWire(message.error) : new Error(`unexpected ${message.kind}`));
    };
    worker.on('error', onError).on('exit', onExit).on('message', onStart);
  });

  worker.on('message', (message: StoreThreadMessage) => {
    if (message.kind !== 'answer') return;
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    keepAlive();
    if (message.ok) call.resolve(message.value);
    else call.reject(fromWire(message.error));
  });
  worker.on('error', (error) => {
    options.logger?.error({ event: 'STORE_THREAD_FAILED', err: error }, 'The store thread failed');
    stop(
      new LazaretError('store_error', `The store thread failed: ${error.message}`, undefined, {
        cause: error,
      }),
    );
  });
  worker.on('exit', (code) =>
    stop(new LazaretError('store_error', `The store thread has ended (exit code ${code})`)),
  );
  keepAlive();

  const call = (store: string, method: string, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (stopped) {
        reject(stopped);
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      keepAlive();
      worker.postMessage({ id, store, method, args } satisfies StoreCall);
    });

  const stores = Object.fromEntries(
    Object.entries(methods).map(([store, names]) => [
      store,
      Object.fromEntries(names.map((method) => [method, (...args: unknown[]) => call(store, method, args)])),
    ]),
  ) as unknown as RemoteSqliteStores;

  let closing: Promise<void> | null = null;
  return {
    stores,
    close: () => {
      closing ??= (async () => {
        try {
          if (!stopped) await call('$thread', 'close', []);
        } finally {
          await worker.terminate();
        }
      })();
      return closing;
    },
  };
}
