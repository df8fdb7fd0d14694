import { auditStoreContract } from './audit-store.contract.js';
import { blobStoreContract } from './blob-store.contract.js';
import { deleteItemContract } from './delete-item.contract.js';
import { itemStoreContract } from './item-store.contract.js';
import { jobStoreContract } from './job-store.contract.js';
import { makeEmbedded, makeSqliteFs } from './sqlite-fs.stores.js';
import { statsStoreContract } from './stats-store.contract.js';
import { userStoreContract } from './user-store.contract.js';

itemStoreContract('SQLite', makeSqliteFs);
blobStoreContract('SQLite inline + files', makeSqliteFs);
blobStoreContract('files only', makeEmbedded('files only'));
deleteItemContract('SQLite + files', makeSqliteFs);
auditStoreContract('SQLite', makeSqliteFs);
userStoreContract('SQLite', makeSqliteFs);
jobStoreContract('SQLite', makeSqliteFs);
statsStoreContract('SQLite', makeSqliteFs);
