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
import { ServeProcess } from '../support/serve-process.js';

interface PublicJob {
  id: string;
  state: string;
  total: number;
  counters: Record<string, number>;
}

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

    await downstream.waitForDeliveries(200);
    // Every relay connection then waits in DATA for an answer: those items are certainly in flight.
    downstream.hold();
    await downstream.waitForHeld(4);
    expect(await first.stop('SIGKILL')).toBeNull();
    const deliveredAtKill = downstream.deliveries.length;
    // The answers come after the sender died: its items count as interrupted, never as delivered.
    downstream.release();
    expect(deliveredAtKill).toBeLessThan(1000);

    const second = await new ServeProcess(env).start();
    processes.push(second);
    const started = await second.waitForLog((line) => line.event === 'JOB_STARTED' && line.jobId === jobId);
    expect(started.cursor).toBeGreaterThan(0);
    await second.waitForLog((line) => line.event === 'JOB_FINISHED' && line.jobId === jobId);

    const { body } = await second.api(`/api/quarantine/jobs/${jobId}`, { headers: auth });
    const job = (body as { job: PublicJob }).job;
    expect(job).toMatchObject({ state: 'completed', total: 5000 });
    const counters = job.counters as Record<'ok' | 'interrupted', number>;
    expect(
      Object.entries(job.counters).filter(
        ([code, count]) => count > 0 && code !== 'ok' && code !== 'interrupted',
      ),
    ).toEqual([]);
    expect(counters.interrupted).toBeGreaterThan(0);
    expect(counters.ok + counters.interrupted).toBe(5000);

    const deliveries = new Map<string, number>();
    for (const delivery of downstream.deliveries) {
      for (const address of delivery.rcptTo) deliveries.set(address, (deliveries.get(address) ?? 0) + 1);
    }
    expect(Math.max(...deliveries.values())).toBe(1);

    const interrupted: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await second.api(
        `/api/quarantine/jobs/${jobId}/items?outcome=interrupted&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
        { headers: auth },
      );
      const result = page.body as { items: { itemId: string }[]; nextCursor: string | null };
      interrupted.push(...result.items.map((entry) => entry.itemId));
      cursor = result.nextCursor;
    } while (cursor);
    expect(interrupted).toHaveLength(counters.interrupted);
    const byId = new Map(items.map((item) => [item.id, item]));
    for (const id of interrupted) {
      const { body: detail } = await second.api(`/api/quarantine/${id}`, { headers: auth });
      expect(detail).toMatchObject({ item: { status: 'quarantined', lastError: { code: 'interrupted' } } });
      expect(deliveries.get(byId.get(id)!.recipient) ?? 0).toBeLessThanOrEqual(1);
    }
    const okIds = new Set(items.map((item) => item.id).filter((id) => !interrupted.includes(id)));
    for (const id of okIds) expect(deliveries.get(byId.get(id)!.recipient), id).toBe(1);
  });
});
