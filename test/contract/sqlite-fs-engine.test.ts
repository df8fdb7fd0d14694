import { bulkEngineContract } from './bulk-engine.contract.js';
import { makeSqliteFs } from './sqlite-fs.stores.js';

bulkEngineContract('SQLite + filesystem', makeSqliteFs);
