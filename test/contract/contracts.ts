import { auditStoreContract } from './audit-store.contract.js';
import { blobStoreContract } from './blob-store.contract.js';
import { bulkEngineContract } from './bulk-engine.contract.js';
import { bulkScaleContract } from './bulk-jobs.contract.js';
import { deleteItemContract } from './delete-item.contract.js';
import { digestDeliveryContract } from './digest-delivery.contract.js';
import { digestStoreContract } from './digest-store.contract.js';
import { itemStoreContract } from './item-store.contract.js';
import { jobStoreContract } from './job-store.contract.js';
import { learningStoreContract } from './learning-store.contract.js';
import { retentionImportContract } from './retention-import.contract.js';
import { senderListStoreContract } from './sender-list-store.contract.js';
import { statsStoreContract } from './stats-store.contract.js';
import type { MakeStores } from './stores.js';
import { userStoreContract } from './user-store.contract.js';

/**
 * The test file a contract runs in (`<group>.test.ts`): the store contracts share one file, the slow
 * engine and scale suites have their own so that vitest runs them in parallel.
 */
export type ContractGroup = 'stores' | 'bulk-engine' | 'bulk-jobs';

/** Every contract suite, by the name of its file (`<name>.contract.ts`). */
export const CONTRACTS = {
  'item-store': { group: 'stores', run: itemStoreContract },
  'blob-store': { group: 'stores', run: blobStoreContract },
  'delete-item': { group: 'stores', run: deleteItemContract },
  'audit-store': { group: 'stores', run: auditStoreContract },
  'user-store': { group: 'stores', run: userStoreContract },
  'job-store': { group: 'stores', run: jobStoreContract },
  'sender-list-store': { group: 'stores', run: senderListStoreContract },
  'digest-store': { group: 'stores', run: digestStoreContract },
  'learning-store': { group: 'stores', run: learningStoreContract },
  'stats-store': { group: 'stores', run: statsStoreContract },
  'retention-import': { group: 'stores', run: retentionImportContract },
  'digest-delivery': { group: 'stores', run: digestDeliveryContract },
  'bulk-engine': { group: 'bulk-engine', run: bulkEngineContract },
  'bulk-jobs': { group: 'bulk-jobs', run: bulkScaleContract },
} satisfies Record<
  string,
  { group: ContractGroup; run: (backend: string, make: MakeStores, scale: number) => void }
>;

export type ContractName = keyof typeof CONTRACTS;
