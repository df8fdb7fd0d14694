import { bulkEngineContract } from './bulk-engine.contract.js';
import { makeDynamoS3 } from './dynamodb-s3.stores.js';

bulkEngineContract('DynamoDB + S3 (dynalite, s3rver)', makeDynamoS3);
