import { auditStoreContract } from './audit-store.contract.js';
import { blobStoreContract } from './blob-store.contract.js';
import { deleteItemContract } from './delete-item.contract.js';
import { makeDynamoS3 } from './dynamodb-s3.stores.js';
import { itemStoreContract } from './item-store.contract.js';
import { jobStoreContract } from './job-store.contract.js';
import { retentionImportContract } from './retention-import.contract.js';
import { userStoreContract } from './user-store.contract.js';

itemStoreContract('DynamoDB (dynalite)', makeDynamoS3);
blobStoreContract('S3 (s3rver)', makeDynamoS3);
deleteItemContract('DynamoDB + S3', makeDynamoS3);
auditStoreContract('DynamoDB (dynalite)', makeDynamoS3);
userStoreContract('DynamoDB (dynalite)', makeDynamoS3);
retentionImportContract(makeDynamoS3);
jobStoreContract('DynamoDB (dynalite)', makeDynamoS3);
