import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteStores } from './open-sqlite-stores.js';
import {
  type StoreCall,
  type StoreThreadData,
  type StoreThreadMessage,
  toWire,
} from './store-thread-protocol.js';

/**
 * The store thread: owns the embedded database's one connection and every store on it, and answers
 * the main thread's calls (sqlite-thread-client.ts). SQLite's work — statements, COMMIT and its fsync —
 * runs here, so SMTP, HTTP and relay I/O on the main thread go on meanwhile.
 */
const port = parentPort!;
const post = (message: StoreThreadMessage) => port.postMessage(message);

/** The methods a store offers: every function on its prototype chain up to Object. */
function methodsOf(store: object): string[] {
  const names = new Set<string>();
  for (
    let proto = Object.getPrototypeOf(store);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && typeof (store as Record<string, unknown>)[name] === 'function')
        names.add(name);
    }
  }
  return [...names];
}

function open(): ReturnType<typeof openSqliteStores> | null {
  try {
    const { path, keepsRawInline } = workerData as StoreThreadData;
    return openSqliteStores(path, { keepsRawInline });
  } catch (error) {
    post({ kind: 'failed', error: toWire(error) });
    port.close();
    return null;
  }
}

function serve(opened: ReturnType<typeof openSqliteStores>): void {
  const stores = opened.stores as unknown as Record<string, Record<string, (...args: unknown[]) => unknown>>;
  const answer = async (call: StoreCall) => {
    try {
      const value = await stores[call.store]![call.method]!(...call.args);
      post({ kind: 'answer', id: call.id, ok: true, value });
    } catch (error) {
      post({ kind: 'answer', id: call.id, ok: false, error: toWire(error) });
    }
  };
  port.on('message', (call: StoreCall) => {
    if (call.store === '$thread' && call.method === 'close') {
      opened.close().then(
        () => {
          post({ kind: 'answer', id: call.id, ok: true, value: undefined });
          port.close();
        },
        (error: unknown) => post({ kind: 'answer', id: call.id, ok: false, error: toWire(error) }),
      );
      return;
    }
    void answer(call);
  });
  post({
    kind: 'ready',
    methods: Object.fromEntries(
      Object.entries(opened.stores).map(([name, store]) => [name, methodsOf(store)]),
    ),
  });
}

const opened = open();
if (opened) serve(opened);
