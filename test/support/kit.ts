/*
 * The shared kit: the real parts that both the tests and the benchmarks (bench/) start. bench/ imports
 * test code only through this file (test/unit/test-layout.test.ts checks it), so everything exported here
 * must run outside vitest: no vitest import, no test-only assertions.
 */
export { tokenFor } from './api-client.js';
export { EMULATOR_CREDENTIALS, EMULATOR_REGION, type Emulators, startEmulators } from './aws-emulators.js';
export { type Delivery, Downstream, type DownstreamOptions } from './downstream.js';
export { type DynamoTable, freshTable } from './dynamo-fixture.js';
export {
  POSTGRES_TEST_PASSWORD,
  POSTGRES_TEST_USER,
  type PostgresCluster,
  postgresBinDir,
  startPostgres,
} from './postgres.js';
export { runCli, ServeProcess } from './serve-process.js';
