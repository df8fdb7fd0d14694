import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { QuarantineItem } from '../../src/core/types.js';
import { openStores } from '../../src/store/open-stores.js';
import { SHARED_SERVE_BACKENDS } from '../contract/backends.js';
import { tokenFor } from '../support/api-client.js';
import { seedMessages } from '../support/bulk-harness.js';
import { Downstream } from '../support/downstream.js';
import { expectTakenOverAndFinished, killMidDelivery, type PublicJob } from '../support/job-takeover.js';
import { ServeProcess } from '../support/serve-process.js';
import type { StorageSetup } from '../support/storage-backends.js';

const ADMIN = { email: 'admin@corp.test', password: 'two-nodes-job-password' };

describe.each(SHARED_SERVE_BACKENDS)(
  'a job whose node dies is finished by the other node ($name)',
  (backend) => {
    let dataDirs: string[];
    let storage: StorageSetup;
    let downstream: Downstream;
    let items: QuarantineItem[];
    const processes: ServeProcess[] = [];
    let env: (name: string, dataDir: string) => Record<string, string>;

    beforeAll(async () => {
      dataDirs = [
        await mkdtemp(join(tmpdir(), 'lazaret-job-node-a-')),
        await mkdtemp(join(tmpdir(), 'lazaret-job-node-b-')),
      ];
      storage = await backend.setup(dataDirs[0]!);
      // The seeding stores of this process take the emulator credentials from the environment, as `serve` does.
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) vi.stubEnv(name, storage.env[name]!);
      const stores = await openStores(loadConfig({ env: storage.env }));
      const seeded = await seedMessages(stores, 1000, (index) =>
        Array.from({ length: 5 }, (_, n) => `r${n}.m${index}@nodes.test`),
      );
      await stores.close();
      items = seeded.flatMap((entry) => entry.items);
      // A slow mail server keeps many items in flight at any moment.
      downstream = await new Downstream({ dataDelayMs: 4 }).start();
      env = (name, dataDir) => ({
        ...storage.env,
        // Nothing of the job may live on a node: each has its own, otherwise empty, data folder.
        LAZARET_DATA_DIR: dataDir,
        LAZARET_NODE_NAME: name,
        LAZARET_RELAY_PORT: String(downstream.port),
        LAZARET_RELAY_TLS: 'none',
        LAZARET_RELAY_MAX_CONNECTIONS: '4',
        LAZARET_BULK_WINDOW: '40',
        LAZARET_JOBS_LEASE_MS: '1500',
        LAZARET_JOBS_POLL_MS: '100',
        LAZARET_ADMIN_EMAIL: ADMIN.email,
        LAZARET_ADMIN_PASSWORD: ADMIN.password,
      });
    }, 120_000);

    afterAll(async () => {
      vi.unstubAllEnvs();
      for (const serve of processes) await serve.stop('SIGKILL');
      await downstream?.stop();
      await storage?.cleanup();
      for (const dir of dataDirs ?? []) await rm(dir, { recursive: true, force: true });
    });

    it('node B takes over after the lease and completes it: every item delivered once, items in flight interrupted', async () => {
      const nodeA = await new ServeProcess(env('node-a', dataDirs[0]!)).start();
      processes.push(nodeA);
      const token = await tokenFor(() => nodeA.baseUrl, ADMIN.email, ADMIN.password);
      const auth = { authorization: `Bearer ${token}` };
      const created = await nodeA.api('/api/quarantine/jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ action: 'release', query: 'to:@nodes.test' }),
      });
      expect(created.status).toBe(202);
      const jobId = (created.body as { job: PublicJob }).job.id;
      // Node B starts only once A holds the job, so that the job cannot go to B before A dies.
      await nodeA.waitForLog((line) => line.event === 'JOB_STARTED' && line.jobId === jobId);
      const nodeB = await new ServeProcess(env('node-b', dataDirs[1]!)).start();
      processes.push(nodeB);

      // Items of one message go out in one transaction: 200 of up to 5,000 leaves most of the job to B.
      const deliveredAtKill = await killMidDelivery(nodeA, downstream, { afterDeliveries: 200, inFlight: 4 });
      expect(deliveredAtKill).toBeLessThan(1000);

      await expectTakenOverAndFinished(nodeB, { jobId, auth, items, downstream });
    }, 180_000);
  },
);
