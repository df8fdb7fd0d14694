import { describe } from 'vitest';
import { postgresAvailable } from '../helpers/postgres.js';
import { bulkScaleContract } from './bulk-jobs.contract.js';
import { makePostgresS3 } from './postgres-s3.stores.js';

if (postgresAvailable('PostgreSQL bulk jobs at scale')) {
  bulkScaleContract('PostgreSQL + S3 (s3rver)', makePostgresS3);
} else {
  describe.skip('PostgreSQL bulk jobs at scale (PostgreSQL not installed)', () => undefined);
}
