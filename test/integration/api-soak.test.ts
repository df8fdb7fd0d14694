import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { requestFor, validSearchQuery } from '../support/api-fuzz.js';
import { FuzzTarget } from '../support/fuzz-target.js';

/**
 * Memory under hostile load: behind LAZARET_SOAK=1 (it takes minutes). `serve` answers
 * LAZARET_SOAK_REQUESTS fuzzed requests (default 10,000) from 8 clients at once; afterwards its
 * resident memory must come back to within MARGIN of what it was after a warm-up. Then
 * LAZARET_SOAK_SEARCHES valid searches of distinct shapes (default 5,000) — the input that grew the
 * store's statement cache without bound.
 */
const SOAK = process.env.LAZARET_SOAK === '1';
const REQUESTS = Number(process.env.LAZARET_SOAK_REQUESTS ?? 10_000);
/** Valid searches of distinct shapes after the fuzz: each is a new statement text for the store. */
const SEARCHES = Number(process.env.LAZARET_SOAK_SEARCHES ?? 5_000);
const WARM_UP = 1_000;
const CLIENTS = 8;
/** How far above its warmed-up level resident memory may stay: V8 keeps some pages it grew into. */
const MARGIN = { ratio: 0.25, bytes: 48 * 1024 * 1024 };

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Polls once a second until `done` holds or `seconds` pass; answers the last reading. */
async function settle(pid: number, seconds: number, done: (rss: number, previous: number) => boolean) {
  let previous = memory(pid).rss;
  for (let second = 0; second < seconds; second += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const { rss } = memory(pid);
    if (done(rss, previous)) return rss;
    previous = rss;
  }
  return memory(pid).rss;
}

describe.skipIf(!SOAK)('API soak: serve memory returns to its level after a long hostile run', () => {
  let target: FuzzTarget;

  afterAll(async () => {
    await target?.stop();
  });

  it(`answers ${REQUESTS} fuzzed requests from ${CLIENTS} clients and gives the memory back`, async () => {
    target = await new FuzzTarget().start();
    const pid = target.serve.pid;
    const keys = Object.keys(target.credentials);
    const anyRequest = fc
      .constantFrom(...target.operations)
      .chain((operation) => requestFor(operation, keys, target.ids));
    let batch = 0;
    const problems: string[] = [];
    const run = async (count: number) => {
      let left = count;
      const client = async () => {
        while (left > 0) {
          const requests = fc.sample(anyRequest, { numRuns: Math.min(25, left), seed: 1_000 + batch++ });
          left -= requests.length;
          for (const request of requests) {
            const problem = await target.send(request).catch((error: Error) => `no answer: ${error.message}`);
            if (problem && problems.length < 20)
              problems.push(`${request.method} ${request.path.slice(0, 100)}: ${problem}`);
          }
          if (batch % 20 === 0) await target.refreshSessions();
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
    };

    await run(WARM_UP);
    const before = await settle(pid, 30, (rss, previous) => Math.abs(rss - previous) < 2 * 1024 * 1024);
    const started = Date.now();
    await run(REQUESTS);
    const queries = [...new Set(fc.sample(validSearchQuery, { numRuns: SEARCHES * 2, seed: 7 }))].slice(
      0,
      SEARCHES,
    );
    const searcher = async () => {
      for (let q = queries.pop(); q !== undefined; q = queries.pop()) {
        const path = `/api/quarantine?q=${encodeURIComponent(q)}&limit=10`;
        const problem = await target.send({ method: 'GET', path, headers: {}, credential: 'adminToken' });
        if (problem && problems.length < 20) problems.push(`search ${q.slice(0, 100)}: ${problem}`);
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, searcher));
    const seconds = (Date.now() - started) / 1000;
    const { peak } = memory(pid);
    const limit = before + Math.max(before * MARGIN.ratio, MARGIN.bytes);
    const after = await settle(pid, 60, (rss) => rss <= limit);
    console.info(
      `API soak: ${REQUESTS} fuzzed requests and ${SEARCHES} searches in ${seconds.toFixed(0)} s; RSS before ${mb(before)}, peak ${mb(peak)}, after ${mb(after)} (limit ${mb(limit)})`,
    );
    expect(problems).toEqual([]);
    expect(target.serve.exitCode).toBeNull();
    expect(after).toBeLessThanOrEqual(limit);
  }, 1_800_000);
});
