import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { isLive, type QuarantineItem } from '../../src/core/types.js';
import { createLogger } from '../../src/log.js';
import { purgeExpired } from '../../src/retention/purge.js';
import { FsBlobStore } from '../../src/store/fs/fs-blob-store.js';
import { openStores } from '../../src/store/open-stores.js';
import { tokenFor } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { waitUntil } from '../support/env.js';
import type { PublicJob } from '../support/job-takeover.js';
import { seededRandom } from '../support/seeded-random.js';
import { ServeProcess } from '../support/serve-process.js';
import { sendRaw } from '../support/smtp-client.js';

/**
 * Crash consistency, tested by force: `serve` is SIGKILLed at a random moment while it takes mail,
 * releases, deletes and runs jobs, then started again, run after run; at the end the store is checked
 * as a whole. LAZARET_CRASH_RUNS sets the number of runs (default 20, about a minute);
 * LAZARET_CRASH_SEED repeats a sequence of kill moments and choices.
 */
const RUNS = Number(process.env.LAZARET_CRASH_RUNS ?? 20);
const SEED = Number(process.env.LAZARET_CRASH_SEED ?? Date.now() % 1_000_000);
const ADMIN = { email: 'admin@crash.test', password: 'crash-loop-admin-password' };
const SENDERS = 4;

interface Accepted {
  messageId: string;
  raw: Buffer;
  recipients: string[];
}

/** Lines of 76 characters, `lines` of them: small messages stay inside SQLite, large ones become files. */
function rawMessage(run: number, n: number, recipients: string[], lines: number): Buffer {
  const body = Array.from(
    { length: lines },
    (_, line) => `${`run ${run} message ${n} line ${line} `.padEnd(76, '.')}`,
  );
  return Buffer.from(
    [
      'From: Crash Loop <loop@sender.test>',
      `To: ${recipients.join(', ')}`,
      `Subject: crash run ${run} message ${n}`,
      `Message-ID: <r${run}.m${n}.${SEED}@sender.test>`,
      'Date: Wed, 02 Dec 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      ...body,
      '',
    ].join('\r\n'),
  );
}

/** Map.groupBy, which Node 20 lacks. */
function groupBy<T, K>(list: readonly T[], key: (each: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const each of list) groups.set(key(each), [...(groups.get(key(each)) ?? []), each]);
  return groups;
}

describe(`crash loop: ${RUNS} runs of serve SIGKILLed at random moments under ingest, releases, deletes and jobs (seed ${SEED})`, () => {
  let dataDir: string;
  let downstream: Downstream;
  let env: Record<string, string>;
  let auth: Record<string, string> = {};
  const accepted: Accepted[] = [];
  const jobIds: string[] = [];
  const random = seededRandom(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const findings = { kills: 0, acceptedAtKill: [] as number[] };
  let serve: ServeProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-crash-loop-'));
    downstream = await new Downstream({ dataDelayMs: 2 }).start();
    env = {
      LAZARET_DATA_DIR: dataDir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_ADMIN_EMAIL: ADMIN.email,
      LAZARET_ADMIN_PASSWORD: ADMIN.password,
      LAZARET_BLOBS_INLINE_MAX_BYTES: String(8 * 1024),
      LAZARET_RELEASE_LEASE_MS: '2000',
      LAZARET_RELEASE_ATTEMPTS: '2',
      LAZARET_RELEASE_RETRY_BASE_MS: '100',
      LAZARET_RELEASE_SWEEP_INTERVAL_MS: '200',
      LAZARET_JOBS_LEASE_MS: '1000',
      LAZARET_JOBS_POLL_MS: '100',
    };
  });
  afterAll(async () => {
    await serve?.stop('SIGKILL');
    await downstream?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Some quarantined items, as the API lists them now. */
  async function quarantined(node: ServeProcess): Promise<{ id: string }[]> {
    const answer = await node.api('/api/quarantine?limit=50&q=status:quarantined', { headers: auth });
    return answer.status === 200 ? (answer.body as { items: { id: string }[] }).items : [];
  }

  /** One run's load until `stop()` says so: every call may fail once the process is gone. */
  async function load(node: ServeProcess, run: number, stopped: () => boolean): Promise<void> {
    let n = 0;
    const ingest = async (sender: number) => {
      while (!stopped()) {
        const count = 1 + Math.floor(random() * 3);
        const recipients = Array.from({ length: count }, (_, k) => `u${(sender + k) % 6}@crash.test`);
        const raw = rawMessage(run, n++, recipients, random() < 0.3 ? 400 : 10);
        const outcome = await sendRaw(node.smtpPort, { from: 'loop@sender.test', to: recipients }, raw);
        const held = /Held as ([0-9A-Z]{26})/.exec(outcome.reply);
        if (outcome.ok && held) accepted.push({ messageId: held[1]!, raw, recipients });
      }
    };
    const act = async () => {
      while (!stopped()) {
        const items = await quarantined(node).catch(() => []);
        if (items.length === 0) continue;
        const roll = random();
        const item = pick(items);
        if (roll < 0.4) {
          await node.api(`/api/quarantine/${item.id}/release`, { method: 'POST', headers: auth });
        } else if (roll < 0.8) {
          await node.api(`/api/quarantine/${item.id}`, { method: 'DELETE', headers: auth });
        } else {
          const action = random() < 0.5 ? 'release' : 'delete';
          const created = await node.api('/api/quarantine/jobs', {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...auth },
            body: JSON.stringify({ action, query: `subject:"crash run ${run - 1}" status:quarantined` }),
          });
          if (created.status === 202) jobIds.push((created.body as { job: PublicJob }).job.id);
        }
      }
    };
    await Promise.allSettled([
      ...Array.from({ length: SENDERS }, (_, sender) => ingest(sender)),
      act(),
      act(),
    ]);
  }

  it(
    'keeps every acknowledged message, delivers nothing it did not release, leaves nothing behind',
    async () => {
      for (let run = 1; run <= RUNS; run += 1) {
        serve = await new ServeProcess(env).start();
        if (!auth.authorization) {
          auth = {
            authorization: `Bearer ${await tokenFor(() => serve!.baseUrl, ADMIN.email, ADMIN.password)}`,
          };
        }
        let stopped = false;
        const running = load(serve, run, () => stopped);
        // The kill comes at a random moment once work is in flight.
        const before = accepted.length;
        await waitUntil('some mail accepted', () => accepted.length > before, 20_000, 5);
        const extra = Math.floor(random() * 8);
        await waitUntil('more work done', () => accepted.length >= before + 1 + extra, 20_000, 5);
        // Not a wait for anything: the moment of the kill, which falls anywhere in the work in flight.
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 250)));
        expect(await serve.stop('SIGKILL')).toBeNull();
        findings.kills += 1;
        findings.acceptedAtKill.push(accepted.length);
        stopped = true;
        await running;
      }

      // A last, clean start: the lease sweeper hands back releases the kills cut off, jobs finish.
      serve = await new ServeProcess(env).start();
      const node = serve;
      const jobs = async () =>
        Promise.all(
          jobIds.map(
            async (id) =>
              (await node.api(`/api/quarantine/jobs/${id}`, { headers: auth })).body as { job: PublicJob },
          ),
        );
      await waitUntil(
        'every job finished',
        async () =>
          (await jobs()).every(({ job }) => ['completed', 'failed', 'cancelled'].includes(job.state)),
        60_000,
        100,
      );
      await waitUntil(
        'no release left in flight',
        async () =>
          (
            (await node.api('/api/quarantine?limit=1&q=status:releasing', { headers: auth })).body as {
              items: unknown[];
            }
          ).items.length === 0,
        30_000,
        100,
      );
      for (const { job } of await jobs()) {
        const counted = Object.values(job.counters).reduce((sum, count) => sum + count, 0);
        if (job.state === 'completed') expect(counted, `job ${job.id}`).toBe(job.total);
        else expect(counted, `job ${job.id}`).toBeLessThanOrEqual(job.total);
      }
      expect(await serve.stop('SIGTERM')).toBe(0);
      serve = undefined;

      // The sweeps, as the next start would run them, with every blob old enough to count.
      const config = loadConfig({ env: { LAZARET_DATA_DIR: dataDir } });
      const stores = await openStores(config);
      const logger = createLogger('silent');
      const later = new Date(Date.now() + 2 * config.blobs.sweepAfterMs);
      try {
        await purgeExpired({ ...stores, logger, now: () => new Date() }, { batchSize: 500 });
        await stores.maintenance!.run(later);

        const all: QuarantineItem[] = [];
        let cursor: string | undefined;
        do {
          const page = await stores.items.listItems(
            { statuses: ['quarantined', 'release_requested', 'releasing', 'released', 'deleted', 'expired'] },
            { limit: 1000, cursor },
          );
          all.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        const live = (item: QuarantineItem) => isLive(item.status);

        // Every message answered 250 is there, with one item per recipient and its exact bytes.
        const byMessage = groupBy(all, (item) => item.messageId);
        for (const message of accepted) {
          const items = byMessage.get(message.messageId) ?? [];
          expect(items.map((item) => item.recipient).sort(), message.messageId).toEqual(
            [...message.recipients].sort(),
          );
          if (!items.some(live)) continue;
          const stored = Buffer.concat(await (await stores.blobs.get(message.messageId)).toArray());
          expect(stored.equals(message.raw), message.messageId).toBe(true);
        }
        // No live item without its blob.
        for (const item of all.filter(live))
          expect(await stores.blobs.exists(item.messageId), item.id).toBe(true);
        // After the sweeps, no blob without a live item: inline rows and files alike, and no temporary files.
        const db = new Database(join(dataDir, 'lazaret.sqlite'), { readonly: true });
        let inline: string[];
        try {
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
          inline = (db.prepare('SELECT key FROM blobs').all() as { key: string }[]).map((row) => row.key);
        } finally {
          db.close();
        }
        const files: string[] = [];
        for await (const key of new FsBlobStore(join(dataDir, 'blobs')).keys()) files.push(key);
        for (const key of [...inline, ...files]) {
          expect((byMessage.get(key) ?? []).some(live), `blob ${key}`).toBe(true);
        }
        expect(await readdir(join(dataDir, 'blobs', 'tmp')).catch(() => [])).toEqual([]);
        // Nothing released that the downstream did not take, and nothing delivered twice.
        const delivered = new Map<string, number>();
        for (const delivery of downstream.deliveries) {
          // One transaction carries every released item of a message: `item=ID,ID,…;`, folded when long.
          const header = /^X-Lazaret-Release: item=([^;]*);/.exec(delivery.raw.toString('latin1'))?.[1] ?? '';
          for (const item of header.split(/[\s,]+/).filter(Boolean))
            delivered.set(item, (delivered.get(item) ?? 0) + 1);
        }
        for (const item of all.filter((each) => each.status === 'released')) {
          expect(delivered.get(item.id), `released item ${item.id}`).toBe(1);
        }
        expect(Math.max(0, ...delivered.values())).toBeLessThanOrEqual(1);

        const statuses = Object.fromEntries(
          [...groupBy(all, (item) => item.status)].map(([status, items]) => [status, items.length]),
        );
        const interrupted = all.filter((item) => item.lastError?.code === 'interrupted').length;
        process.stderr.write(
          `crash loop (seed ${SEED}): ${findings.kills} kills, ${accepted.length} messages acknowledged, ` +
            `${all.length} items ${JSON.stringify(statuses)}, ${interrupted} releases interrupted, ` +
            `${jobIds.length} jobs, ${downstream.deliveries.length} deliveries: all checks held\n`,
        );
      } finally {
        await stores.close();
      }
    },
    60_000 + RUNS * 15_000,
  );
});
