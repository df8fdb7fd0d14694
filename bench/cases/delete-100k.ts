import { rm } from 'node:fs/promises';
import type { CaseResult } from '../lib/report.js';
import type { SeedOrder } from '../lib/seed.js';
import { peakRssMiB, runJob, seededDataDir, startServe } from '../lib/serve-jobs.js';

export interface DeleteOptions {
  items: number;
}

const LAYOUTS: Record<SeedOrder, string> = {
  arrival: 'stored as received',
  random: 'received at random times',
};

/** One delete job over every quarantined item of a SQLite store, run by `lazaret serve`. */
async function deleteAll(items: number, order: SeedOrder): Promise<Record<string, string | number>> {
  const dataDir = await seededDataDir(items, 512, order);
  try {
    const { serve, token } = await startServe(dataDir);
    try {
      const { seconds } = await runJob(serve, token, 'delete', items);
      return {
        items,
        'items in the store': LAYOUTS[order],
        seconds,
        'items/s': items / seconds,
        'peak RSS MiB': peakRssMiB(serve.pid),
      };
    } finally {
      await serve.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The delete job over a store filled as a quarantine fills, and over one whose items are scattered. */
export async function runDelete(options: DeleteOptions): Promise<CaseResult> {
  const rows = [];
  for (const order of ['arrival', 'random'] as const) rows.push(await deleteAll(options.items, order));
  return {
    case: 'delete-100k',
    title: `Bulk delete of ${options.items.toLocaleString('en-US')} items on SQLite`,
    notes: [
      'One delete job by query (status:quarantined) through the API of a `lazaret serve` child process, from the request until its JOB_FINISHED log line; every item has its own raw message of 512 bytes, removed with it. The target is below 5 s for 100,000 items.',
      '"stored as received": items were stored in the order they arrived, as a quarantine fills, so the items a job takes together (newest first) sit together in the table and its indexes. "received at random times": the same items stored in random order of arrival, so every batch of the job touches pages all over the table, as a delete by a query matching items spread over months does.',
    ],
    rows,
  };
}
