import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['./test/support/temp-folders.ts'],
    // vitest's default (one fewer than the cores) leaves a 2-core CI machine with one worker and one idle
    // core while tests wait on daemons, sockets and fsync; two workers there take the suite from ~15 to
    // ~8 minutes and passed strict runs with every daemon present.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a state the code reaches on its own (a page's next render, a log line); its
    // 1 s default fails on a loaded CI machine long before anything is wrong.
    expect: { poll: { timeout: 20_000 } },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
