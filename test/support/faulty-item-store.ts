import { LazaretError } from '../../src/core/errors.js';
import type { ItemStore, TransitionRequest } from '../../src/store/item-store.js';

/**
 * An ItemStore that passes every call to a real one but fails some with an injected error: the one
 * fault a real backend cannot be made to show on demand (throttling) or at an exact item.
 */
export class FaultyItemStore implements ItemStore {
  injected = 0;

  constructor(
    private readonly inner: ItemStore,
    private readonly fault: {
      /** Wait this long before each call: a store across a network. */
      delayMs?: number;
      /** Decide per call; answer the error to throw, and whether the call is applied first. */
      beforeCall?: (
        method: string,
        requests?: readonly TransitionRequest[],
      ) => { error: LazaretError; applied: boolean } | undefined;
    },
  ) {}

  private async guard<T>(
    method: string,
    call: () => Promise<T>,
    requests?: readonly TransitionRequest[],
  ): Promise<T> {
    const fault = this.fault.beforeCall?.(method, requests);
    if (!fault) return call();
    this.injected += 1;
    if (fault.applied) await call();
    throw fault.error;
  }

  putMessage: ItemStore['putMessage'] = (message, items) => this.inner.putMessage(message, items);
  getMessage: ItemStore['getMessage'] = (id) => this.guard('getMessage', () => this.inner.getMessage(id));
  getItem: ItemStore['getItem'] = (id) => this.guard('getItem', () => this.inner.getItem(id));
  getItems: ItemStore['getItems'] = (ids) => this.guard('getItems', () => this.inner.getItems(ids));
  listItems: ItemStore['listItems'] = (filter, page) =>
    this.guard('listItems', () => this.inner.listItems(filter, page));
  countItems: ItemStore['countItems'] = (filter, limit) =>
    this.guard('countItems', () => this.inner.countItems(filter, limit));
  transition: ItemStore['transition'] = (id, expected, change) =>
    this.guard('transition', () => this.inner.transition(id, expected, change), [{ id, expected, change }]);
  transitionMany: ItemStore['transitionMany'] = (requests) =>
    this.guard('transitionMany', () => this.inner.transitionMany(requests), requests);
  listExpiredLeases: ItemStore['listExpiredLeases'] = (until, limit) =>
    this.inner.listExpiredLeases(until, limit);
  listExpired: ItemStore['listExpired'] = (now, limit, after) => this.inner.listExpired(now, limit, after);
  findImportedRecipients: ItemStore['findImportedRecipients'] = (sha256, recipients) =>
    this.inner.findImportedRecipients(sha256, recipients);
  listUnreferencedMessages: ItemStore['listUnreferencedMessages'] = (afterId, limit) =>
    this.inner.listUnreferencedMessages(afterId, limit);
  findUnreferencedMessages: ItemStore['findUnreferencedMessages'] = (messageIds) =>
    this.guard('findUnreferencedMessages', () => this.inner.findUnreferencedMessages(messageIds));
  markBlobsRemoved: ItemStore['markBlobsRemoved'] = (messageIds, at) =>
    this.guard('markBlobsRemoved', () => this.inner.markBlobsRemoved(messageIds, at));
  countLiveItems: ItemStore['countLiveItems'] = (messageId) =>
    this.guard('countLiveItems', () => this.inner.countLiveItems(messageId));
  ping: ItemStore['ping'] = () => this.inner.ping();
  close: ItemStore['close'] = () => this.inner.close();
}

export function throttled(): LazaretError {
  return new LazaretError('store_throttled', 'Injected: ProvisionedThroughputExceededException');
}
