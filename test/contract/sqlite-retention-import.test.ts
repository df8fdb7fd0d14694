import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { tempDir } from '../support/env.js';
import { retentionImportContract } from './retention-import.contract.js';

retentionImportContract(async () => {
  const dir = await tempDir();
  const items = new SqliteItemStore({ path: `${dir.path}/lazaret.sqlite` });
  return {
    items,
    async cleanup() {
      await items.close();
      await dir.cleanup();
    },
  };
});
