import { describe } from 'vitest';
import { postgresAvailable } from '../helpers/postgres.js';
import { auditStoreContract } from './audit-store.contract.js';
import { blobStoreContract } from './blob-store.contract.js';
import { deleteItemContract } from './delete-item.contract.js';
import { digestDeliveryContract } from './digest-delivery.contract.js';
import { digestStoreContract } from './digest-store.contract.js';
import { itemStoreContract } from './item-store.contract.js';
import { jobStoreContract } from './job-store.contract.js';
import { learningStoreContract } from './learning-store.contract.js';
import { makePostgresS3 } from './postgres-s3.stores.js';
import { retentionImportContract } from './retention-import.contract.js';
import { senderListStoreContract } from './sender-list-store.contract.js';
import { userStoreContract } from './user-store.contract.js';

if (postgresAvailable('PostgreSQL store contracts')) {
  itemStoreContract('PostgreSQL', makePostgresS3);
  blobStoreContract('S3 (s3rver) beside PostgreSQL', makePostgresS3);
  deleteItemContract('PostgreSQL + S3', makePostgresS3);
  retentionImportContract(makePostgresS3);
  auditStoreContract('PostgreSQL', makePostgresS3);
  userStoreContract('PostgreSQL', makePostgresS3);
  jobStoreContract('PostgreSQL', makePostgresS3);
  senderListStoreContract('PostgreSQL', makePostgresS3);
  learningStoreContract('PostgreSQL', makePostgresS3);
  digestStoreContract('PostgreSQL', makePostgresS3);
  digestDeliveryContract('PostgreSQL + S3', makePostgresS3);
} else {
  describe.skip('PostgreSQL store contracts (PostgreSQL not installed)', () => undefined);
}
