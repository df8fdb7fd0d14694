import type { AuditStore } from '../../src/store/audit-store.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import type { DigestStore } from '../../src/store/digest-store.js';
import type { ItemStore } from '../../src/store/item-store.js';
import type { JobStore } from '../../src/store/job-store.js';
import type { LearningStore } from '../../src/store/learning-store.js';
import type { SenderListStore } from '../../src/store/sender-list-store.js';
import type { StatsStore } from '../../src/store/stats-store.js';
import type { UserStore } from '../../src/store/user-store.js';

export interface StorePair {
  items: ItemStore;
  blobs: BlobStore;
  audit: AuditStore;
  /** Dashboard numbers: counters (SQLite) or a listing of the items (DynamoDB), as `serve` opens them. */
  stats: StatsStore;
  jobs: JobStore;
  users: UserStore;
  lists: SenderListStore;
  digests: DigestStore;
  learning: LearningStore;
}

/** What a backend gives the contract suite. Each call of `make` starts from empty storage. */
export interface StoreFixture extends StorePair {
  /** A second, independent instance over the same data, as another process or a restart would see it. */
  reopen(): Promise<StorePair>;
  /**
   * An item store over the same data whose putMessage dies (throws, leaving whatever the backend had
   * written so far) after `writes` item writes, as a crash between writes would. The instance is then
   * abandoned without close.
   */
  crashingItemStore(writes: number): Promise<ItemStore>;
  cleanup(): Promise<void>;
}

export type MakeStores = () => Promise<StoreFixture>;

export class SimulatedCrash extends Error {
  constructor() {
    super('simulated crash between item writes');
  }
}
