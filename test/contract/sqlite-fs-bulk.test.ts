import { bulkScaleContract } from './bulk-jobs.contract.js';
import { makeSqliteFs } from './sqlite-fs.stores.js';

bulkScaleContract('SQLite + filesystem', makeSqliteFs);
