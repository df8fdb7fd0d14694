import { expect } from 'vitest';
import type { QuarantineItem } from '../../src/core/types.js';
import type { Downstream } from './downstream.js';
import type { ServeProcess } from './serve-process.js';

/** A job as GET /api/quarantine/jobs answers it, as far as the tests read it. */
export interface PublicJob {
  id: string;
  state: string;
  total: number;
  counters: Record<string, number>;
}

/**
 * Kills `node` (SIGKILL) while its release work is certainly in flight: once `afterDeliveries`
 * messages were delivered, the downstream holds its answers until `inFlight` senders wait in DATA,
 * the node dies, then the held messages are answered (their sender is gone, so they count as
 * interrupted). Answers how many messages had been delivered at the kill. Killing at a delivery count
 * alone races the node: it may have finished, or be between items, with nothing in flight.
 */
export async function killMidDelivery(
  node: ServeProcess,
  downstream: Downstream,
  options: { afterDeliveries: number; inFlight: number },
): Promise<number> {
  await downstream.waitForDeliveries(options.afterDeliveries);
  downstream.hold();
  await downstream.waitForHeld(options.inFlight);
  expect(await node.stop('SIGKILL')).toBeNull();
  const deliveredAtKill = downstream.deliveries.length;
  downstream.release();
  return deliveredAtKill;
}

/**
 * After the node running a release job was SIGKILLed: `node` takes the job over from its cursor and
 * finishes it; every item ended ok or interrupted (some interrupted), nothing reached the downstream
 * twice, the interrupted items are back in quarantine with lastError interrupted, and every other
 * item was delivered exactly once.
 */
export async function expectTakenOverAndFinished(
  node: ServeProcess,
  options: {
    jobId: string;
    auth: Record<string, string>;
    items: readonly QuarantineItem[];
    downstream: Downstream;
  },
): Promise<void> {
  const { jobId, auth, items, downstream } = options;
  const started = await node.waitForLog((line) => line.event === 'JOB_STARTED' && line.jobId === jobId);
  expect(started.cursor).toBeGreaterThan(0);
  await node.waitForLog((line) => line.event === 'JOB_FINISHED' && line.jobId === jobId);

  const { body } = await node.api(`/api/quarantine/jobs/${jobId}`, { headers: auth });
  const job = (body as { job: PublicJob }).job;
  expect(job).toMatchObject({ state: 'completed', total: items.length });
  const counters = job.counters as Record<'ok' | 'interrupted', number>;
  expect(
    Object.entries(job.counters).filter(
      ([code, count]) => count > 0 && code !== 'ok' && code !== 'interrupted',
    ),
  ).toEqual([]);
  expect(counters.interrupted).toBeGreaterThan(0);
  expect(counters.ok + counters.interrupted).toBe(items.length);

  const deliveries = new Map<string, number>();
  for (const delivery of downstream.deliveries) {
    for (const address of delivery.rcptTo) deliveries.set(address, (deliveries.get(address) ?? 0) + 1);
  }
  expect(Math.max(...deliveries.values())).toBe(1);

  const interrupted: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await node.api(
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
    const { body: detail } = await node.api(`/api/quarantine/${id}`, { headers: auth });
    expect(detail).toMatchObject({ item: { status: 'quarantined', lastError: { code: 'interrupted' } } });
    expect(deliveries.get(byId.get(id)!.recipient) ?? 0).toBeLessThanOrEqual(1);
  }
  const interruptedIds = new Set(interrupted);
  for (const item of items) {
    if (!interruptedIds.has(item.id)) expect(deliveries.get(item.recipient), item.id).toBe(1);
  }
}
