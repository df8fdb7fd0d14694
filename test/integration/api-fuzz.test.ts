import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestFor } from '../support/api-fuzz.js';
import { FuzzTarget, PAGES } from '../support/fuzz-target.js';

/** Requests per operation; LAZARET_FUZZ_RUNS=500 for a long run (about 25,000 requests). */
const RUNS = Number(process.env.LAZARET_FUZZ_RUNS ?? 40);
const SEED = process.env.LAZARET_FUZZ_SEED === undefined ? undefined : Number(process.env.LAZARET_FUZZ_SEED);

describe('API fuzz: hostile requests to every operation of the OpenAPI document', () => {
  let target: FuzzTarget;

  beforeAll(async () => {
    target = await new FuzzTarget().start();
  });

  afterAll(async () => {
    await target?.stop();
  });

  it(`answers ${RUNS} hostile requests per operation without a 5xx, every error in the documented shape`, async () => {
    expect(target.operations.length).toBeGreaterThan(40);
    const keys = Object.keys(target.credentials);
    for (const operation of [...target.operations, ...PAGES]) {
      await target.refreshSessions();
      const html = PAGES.includes(operation);
      const run = await fc.check(
        fc.asyncProperty(requestFor(operation, keys, target.ids), async (request) => {
          const problem = await target
            .send(request)
            .catch((error: Error) => `no answer: ${error.cause ?? error.message}`);
          // The link pages answer HTML for browsers: only the no-5xx rule applies to them.
          if (problem && !(html && problem.startsWith('error'))) {
            throw new Error(
              `${request.method} ${request.path.slice(0, 200)} as ${request.credential}: ${problem}`,
            );
          }
        }),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
      );
      if (run.failed) {
        // The counterexample can hold megabytes of body: report its start, the seed and the error.
        const failure =
          run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
        throw new Error(
          `${operation.method} ${operation.path} failed (seed ${run.seed}, path ${run.counterexamplePath}): ${failure.slice(0, 2_000)}\n` +
            `request: ${JSON.stringify(run.counterexample).slice(0, 1_000)}`,
        );
      }
    }
    const health = await fetch(`${target.serve.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(target.serve.exitCode).toBeNull();
    expect(
      target.serve.logs.filter((line) => line.level >= 50).map((line) => line.event ?? line.msg),
    ).toEqual([]);
    console.info(
      `API fuzz: ${target.requests} requests over ${target.operations.length + PAGES.length} operations, no 5xx, every error in the documented shape`,
    );
  }, 600_000);
});
