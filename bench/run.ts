// `npm run bench` runs every case; `npm run bench -- --case list-search` one; `--smoke` tiny sizes.

import { join } from 'node:path';
import { postgresBinDir } from '../test/support/kit.js';
import { type BulkStore, runBulk } from './cases/bulk.js';
import { runDelete } from './cases/delete-100k.js';
import { runIngest } from './cases/ingest.js';
import { runListSearch } from './cases/list-search.js';
import { runListSearchApi } from './cases/list-search-api.js';
import { runMemory } from './cases/memory.js';
import { runReleaseE2e } from './cases/release-e2e.js';
import { runScaling } from './cases/scaling.js';
import { report } from './lib/report.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const selected = args.flatMap((arg, index) => (arg === '--case' ? [args[index + 1]!] : []));
/** `--sizes 10000`, `--latencies 0,20`, `--stores sqlite`, `--actions delete`: narrows the bulk grid. */
function listArg(name: string): string[] | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1]!.split(',') : undefined;
}
const numbers = (values: string[] | undefined) => values?.map(Number);
/** The bulk grid's stores: PostgreSQL's column when its server is installed (scripts/install-test-deps.sh). */
const BULK_STORES: BulkStore[] = ['sqlite', 'dynamodb', ...(postgresBinDir() ? (['postgres'] as const) : [])];

const CASES: Record<string, () => Promise<Parameters<typeof report>[0]>> = {
  ingest: () =>
    runIngest(
      smoke ? { messages: 200, sessions: 4, bytes: 5120 } : { messages: 20_000, sessions: 16, bytes: 5120 },
    ),
  bulk: () =>
    runBulk(
      smoke
        ? {
            sizes: [100],
            latenciesMs: [0, 5],
            stores: BULK_STORES,
            actions: ['delete', 'release'],
            sequentialCap: 50,
          }
        : {
            sizes: [100, 1_000, 10_000],
            latenciesMs: [0, 5, 20],
            stores: BULK_STORES,
            actions: ['delete', 'release'],
            sequentialCap: 200,
          },
      {
        sizes: numbers(listArg('sizes')),
        latenciesMs: numbers(listArg('latencies')),
        stores: listArg('stores') as BulkStore[] | undefined,
        actions: listArg('actions') as ('delete' | 'release')[] | undefined,
      },
    ),
  'list-search': () =>
    runListSearch(smoke ? { items: 2_000, samples: 5 } : { items: 1_000_000, samples: 200 }),
  'list-search-api': () =>
    runListSearchApi(
      smoke
        ? { items: 2_000, samples: 3 }
        : { items: Number(listArg('items')?.[0] ?? 1_000_000), samples: 100 },
    ),
  ...(postgresBinDir()
    ? {
        'list-search-postgres': () =>
          runListSearch(
            smoke
              ? { items: 2_000, samples: 5, store: 'postgres' }
              : { items: 1_000_000, samples: 200, store: 'postgres' },
          ),
      }
    : {}),
  'release-e2e': () =>
    runReleaseE2e(
      smoke
        ? { messages: 200, connections: 4, bytes: 5120 }
        : { messages: 10_000, connections: 16, bytes: 5120 },
    ),
  memory: () =>
    runMemory(
      smoke
        ? { releaseItems: 500, ingestBytes: 1_000_000 }
        : { releaseItems: 100_000, ingestBytes: 40_000_000 },
    ),
  'delete-100k': () => runDelete({ items: smoke ? 1_000 : 100_000 }),
  scaling: () =>
    runScaling({
      ...(smoke
        ? { stored: [1_000, 4_000], jobs: [100, 400], ingestMessages: 200, sessions: 4, samples: 5 }
        : {
            stored: [10_000, 100_000, 1_000_000],
            jobs: [1_000, 10_000, 100_000],
            ingestMessages: 5_000,
            sessions: 16,
            samples: 100,
          }),
      ...(listArg('stored') ? { stored: numbers(listArg('stored'))! } : {}),
      ...(listArg('jobs') ? { jobs: numbers(listArg('jobs'))! } : {}),
      bytes: 5120,
      connections: 16,
      // A full run redraws the charts in the docs; a smoke run leaves them alone.
      chartsDir: join(import.meta.dirname, ...(smoke ? ['results', 'smoke'] : ['..', 'docs', 'images'])),
      runLabel: `${smoke ? 'smoke-sized' : listArg('stored') || listArg('jobs') ? 'reduced' : 'full'} run of ${new Date().toISOString().slice(0, 10)}`,
    }),
};

for (const name of selected.length > 0 ? selected : Object.keys(CASES)) {
  const run = CASES[name];
  if (!run) {
    process.stderr.write(`unknown case ${name}; cases: ${Object.keys(CASES).join(', ')}\n`);
    process.exit(2);
  }
  report(await run(), smoke ? `${import.meta.dirname}/results/smoke` : undefined);
}
