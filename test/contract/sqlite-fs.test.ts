import { auditStoreContract } from './audit-store.contract.js';
import { blobStoreContract } from './blob-store.contract.js';
import { deleteItemContract } from './delete-item.contract.js';
import { itemStoreContract } from './item-store.contract.js';
import { jobStoreContract } from './job-store.contract.js';
import { makeSqliteFs } from './sqlite-fs.stores.js';

itemStoreContract('SQLite', makeSqliteFs);
blobStoreContract('filesystem', makeSqliteFs);
deleteItemContract('SQLite + filesystem', makeSqliteFs);
auditStoreContract('SQLite', makeSqliteFs);
jobStoreContract('SQLite', makeSqliteFs);
