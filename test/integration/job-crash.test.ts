import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { QuarantineItem } from '../../src/core/types.js';
import { openStores } from '../../src/store/open-stores.js';
import { tokenFor } from '../support/api-client.js';
import { seedMessages } from '../support/bulk-harness.js';
import { Downstream } from '../support/downstream.js';
import { expectTakenOverAndFinished, killMidDelivery, type PublicJob } from '../support/job-takeover.js';
import { ServeProcess } from '../support/serve-process.js';

describe('a job survives SIGKILL of its serve process', () => {
  let dataDir: string;
  let downstream: Downstream;
  let items: QuarantineItem[];
  const processes: ServeProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-crash-'));
    const stores = await openStores(loadConfig({ env: { LAZARET_DATA_DIR: dataDir } }));
    const seeded = await seedMessages(stores, 1000, (index) =>
      Array.from({ length: 5 }, (_, n) => `r${n}.m${index}@crash.test`),
    );
    await stores.close();
    items = seeded.flatMap((entry) => entry.items);
    // A slow mail server keeps many items in flight at any moment.
    downstream = await new Downstream({ dataDelayMs: 4 }).start();
    env = {
      LAZARET_DATA_DIR: dataDir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_RELAY_MAX_CONNECTIONS: '4',
      LAZARET_BULK_WINDOW: '40',
      LAZARET_JOBS_LEASE_MS: '1500',
      LAZARET_JOBS_POLL_MS: '100',
      LAZARET_ADMIN_EMAIL: 'admin@corp.test',
      LAZARET_ADMIN_PASSWORD: 'crash-admin-password',
    };
  });

  afterAll(async () => {
    for (const serve of processes) await serve.stop('SIGKILL');
    await downstream?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is taken over after its lease ends and finishes from its cursor: nothing twice, items in flight interrupted', async () => {
    const first = await new ServeProcess(env).start();
    processes.push(first);
    const token = await tokenFor(() => first.baseUrl, 'admin@corp.test', 'crash-admin-password');
    const auth = { authorization: `Bearer ${token}` };
    const created = await first.api('/api/quarantine/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ action: 'release', query: 'to:@crash.test' }),
    });
    expect(created.status).toBe(202);
    const jobId = (created.body as { job: PublicJob }).job.id;

    const deliveredAtKill = await killMidDelivery(first, downstream, { afterDeliveries: 200, inFlight: 4 });
    expect(deliveredAtKill).toBeLessThan(1000);

    const second = await new ServeProcess(env).start();
    processes.push(second);
    await expectTakenOverAndFinished(second, { jobId, auth, items, downstream });
  });
});
