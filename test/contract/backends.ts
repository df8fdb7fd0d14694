import { postgresAvailable } from '../support/postgres.js';
import {
  dynamoS3Serve,
  embeddedServe,
  postgresS3Serve,
  type StorageBackend,
} from '../support/storage-backends.js';
import type { ContractName } from './contracts.js';
import { makeDynamoS3 } from './dynamodb-s3.stores.js';
import { makePostgresS3 } from './postgres-s3.stores.js';
import { makeEmbedded, makeSqliteFs } from './sqlite-fs.stores.js';
import type { MakeStores } from './stores.js';

/** One storage backend pair as the contract suites see it. */
export interface Backend {
  /** Stable key, as `storage.backend` names it. */
  key: string;
  /** How suite titles name it. */
  label: string;
  make: MakeStores;
  /**
   * The same backend for `serve` child processes (integration tests): environment and faults; absent
   * while `serve` cannot be configured for it yet.
   */
  serve?: StorageBackend;
  /** Several `serve` nodes can share it: the two-node tests (takeover after SIGKILL) run on it. */
  shared?: true;
  /**
   * Contracts this backend does not run, each with the reason. A contract left out here runs; the
   * wiring test fails on an exclusion without a reason or naming an unknown contract.
   */
  excluded: Partial<Record<ContractName, string>>;
  /**
   * Fraction of the scale contracts' sizes (bulk-jobs) this backend runs at; 1 when absent. Only for a
   * backend emulated in the test process, whose speed is the emulator's, not the backend's.
   */
  scale?: number;
  /** The same backend set up differently, run for the contracts the setting matters to. */
  variants?: { label: string; make: MakeStores; contracts: ContractName[] }[];
}

/**
 * Every backend the contract suites run on: each contract in `contracts.ts` runs once per row (a
 * new backend is one more row). The group test files (`<group>.test.ts`) iterate over this table.
 */
export const BACKENDS: readonly Backend[] = [
  {
    key: 'sqlite-fs',
    label: 'SQLite + files',
    make: makeSqliteFs,
    serve: embeddedServe,
    excluded: {},
    variants: [
      { label: 'files only (no inline blobs)', make: makeEmbedded('files only'), contracts: ['blob-store'] },
    ],
  },
  {
    key: 'dynamodb-s3',
    label: 'DynamoDB + S3 (dynalite, s3rver)',
    make: makeDynamoS3,
    serve: dynamoS3Serve,
    shared: true,
    // dynalite keeps its tables in an in-process LevelDB: 10,000 items take minutes there, 500 take seconds.
    scale: 0.05,
    excluded: {
      'stats-store':
        'no counters: `serve` answers the dashboard by listing the window’s items (ListingStatsStore), so ' +
        'statuses cover only items received in the window and a re-release counts once, on its last day; ' +
        'test/unit/listing-stats-store.test.ts holds that store to its own, weaker promise',
    },
  },
  // A private PostgreSQL cluster per test file (test/support/postgres.ts); skipped with a notice when
  // PostgreSQL is not installed, a failure under LAZARET_TEST_STRICT=1.
  ...(postgresAvailable('PostgreSQL + S3 contracts')
    ? [
        {
          key: 'postgres-s3',
          label: 'PostgreSQL + S3 (s3rver)',
          make: makePostgresS3,
          serve: postgresS3Serve,
          shared: true as const,
          excluded: {},
        },
      ]
    : []),
];

/** The backends as `serve` children use them, in table order: the integration tests run on each. */
export const SERVE_BACKENDS: readonly StorageBackend[] = BACKENDS.flatMap((backend) =>
  backend.serve ? [backend.serve] : [],
);

/** The backends several `serve` nodes share, as their children use them. */
export const SHARED_SERVE_BACKENDS: readonly StorageBackend[] = BACKENDS.flatMap((backend) =>
  backend.serve && backend.shared ? [backend.serve] : [],
);

/** One backend's setup for `serve` children, by key. */
export function serveBackendNamed(key: string): StorageBackend {
  const serve = backendNamed(key).serve;
  if (!serve) throw new Error(`backend ${key} has no serve setup`);
  return serve;
}

/** One backend's row by key. */
export function backendNamed(key: string): Backend {
  const found = BACKENDS.find((backend) => backend.key === key);
  if (!found) throw new Error(`no backend ${key} in BACKENDS`);
  return found;
}
