import { describe } from 'vitest';
import { postgresAvailable } from '../helpers/postgres.js';
import { bulkEngineContract } from './bulk-engine.contract.js';
import { makePostgresS3 } from './postgres-s3.stores.js';

if (postgresAvailable('PostgreSQL bulk engine contract')) {
  bulkEngineContract('PostgreSQL + S3 (s3rver)', makePostgresS3);
} else {
  describe.skip('PostgreSQL bulk engine contract (PostgreSQL not installed)', () => undefined);
}
