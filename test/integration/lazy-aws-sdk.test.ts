import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dist = new URL('../../dist/', import.meta.url).href;

/** Opens the configured stores in a fresh process and lists the AWS SDK modules it loaded. */
const script = `
import { createRequire } from 'node:module';
const { loadConfig } = await import('${dist}config/load-config.js');
const { openStores } = await import('${dist}store/open-stores.js');
await import('${dist}server.js');
await import('${dist}cli/dynamodb-command.js');
const stores = await openStores(loadConfig({ env: JSON.parse(process.env.CONFIG_ENV) }));
await stores.close();
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => /@aws-sdk|@smithy/.test(path));
process.stdout.write(JSON.stringify({ loaded: loaded.length, throttle: stores.throttle !== null }));
`;

describe('the embedded default and the AWS SDK', () => {
  it('never loads the AWS SDK unless DynamoDB or S3 is configured', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lazaret-lazy-'));
    try {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH ?? '', CONFIG_ENV: JSON.stringify({ LAZARET_DATA_DIR: dataDir }) },
      });
      expect(JSON.parse(stdout)).toEqual({ loaded: 0, throttle: false });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
