import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { Metrics } from '../../src/metrics.js';

const read = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

/** The `export NAME=value` lines of the ```sh blocks of a document. */
function exportedIn(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const match of block[1]!.matchAll(/^export (.+)$/gm)) {
      for (const pair of match[1]!.trim().split(/\s+/)) {
        const [name, value] = pair.split('=') as [string, string];
        env[name] = value;
      }
    }
  }
  return env;
}

describe('docs/storage-faults.md', () => {
  it('gives a reserve setting that the loader takes as documented', () => {
    const env = exportedIn(read('storage-faults.md'));
    expect(Object.keys(env)).toEqual(['LAZARET_STORE_MIN_FREE_MB']);
    expect(loadConfig({ env }).store.minFreeMb).toBe(2048);
  });

  it('names the reply, error code, metrics and keys the code uses, and is linked from docs/postfix.md', () => {
    const text = read('storage-faults.md');
    for (const name of [
      '452 4.3.1',
      'insufficient_storage',
      'lazaret_data_dir_free_bytes',
      'lazaret_storage_refusals_total',
      'store.minFreeMb',
      'blobs.sweepIntervalMs',
      'blobs.sweepAfterMs',
      'jobs.fullDiskPauseMs',
      'JOB_WAITING_FOR_SPACE',
    ])
      expect(text, name).toContain(name);
    expect(read('postfix.md')).toContain('(storage-faults.md)');
    const served = new Metrics({ defaultMetrics: false }).registry
      .getMetricsAsArray()
      .map((metric) => metric.name);
    expect(served).toEqual(
      expect.arrayContaining(['lazaret_data_dir_free_bytes', 'lazaret_storage_refusals_total']),
    );
  });
});
