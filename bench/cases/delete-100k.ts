import { rm } from 'node:fs/promises';
import type { CaseResult } from '../lib/report.js';
import { peakRssMiB, runJob, seededDataDir, startServe } from '../lib/serve-jobs.js';

export interface DeleteOptions {
  items: number;
}

/** One delete job over every quarantined item of a SQLite store, run by `lazaret serve`. */
export async function runDelete(options: DeleteOptions): Promise<CaseResult> {
  const dataDir = await seededDataDir(options.items, 512);
  try {
    const { serve, token } = await startServe(dataDir);
    try {
      const { seconds } = await runJob(serve, token, 'delete', options.items);
      return {
        case: 'delete-100k',
        title: `Bulk delete of ${options.items.toLocaleString('en-US')} items on SQLite`,
        notes: [
          'One delete job by query (status:quarantined) through the API of a `lazaret serve` child process, from the request until its JOB_FINISHED log line; every item has its own raw message of 512 bytes on disk, removed with it. The target is below 5 s for 100,000 items.',
        ],
        rows: [
          {
            items: options.items,
            seconds,
            'items/s': options.items / seconds,
            'peak RSS MiB': peakRssMiB(serve.pid),
          },
        ],
      };
    } finally {
      await serve.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
