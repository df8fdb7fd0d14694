import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OidcProviderConfig, OidcProviders } from '../../src/auth/oidc/oidc-providers.js';
import { LazaretError } from '../../src/core/errors.js';

const corp: OidcProviderConfig = {
  id: 'corp',
  label: 'Corp',
  issuer: 'https://sso.corp.test',
  clientId: 'lazaret',
};

function refusal(providers: OidcProviderConfig[]): LazaretError {
  try {
    new OidcProviders(providers);
  } catch (error) {
    if (error instanceof LazaretError) return error;
    throw error;
  }
  throw new Error('the providers were built');
}

describe('OidcProviders: client secrets are read when the providers are built', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-oidc-secret-'));
    await writeFile(join(dir, 'secret'), 'client-secret\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('builds with a readable secret file, an environment secret or none', () => {
    process.env.LAZARET_TEST_OIDC_SECRET = 'from-env';
    try {
      const providers = new OidcProviders([
        { ...corp, clientSecretFile: join(dir, 'secret') },
        { ...corp, id: 'env', clientSecretEnv: 'LAZARET_TEST_OIDC_SECRET' },
        { ...corp, id: 'public' },
      ]);
      expect(providers.list.map((provider) => provider.id)).toEqual(['corp', 'env', 'public']);
    } finally {
      delete process.env.LAZARET_TEST_OIDC_SECRET;
    }
  });

  it.each([
    ['a missing file', () => join(dir, 'missing')],
    ['a folder', () => dir],
  ])('refuses a secret file that is %s with config_invalid naming the provider and key', (_, path) => {
    const error = refusal([{ ...corp, clientSecretFile: path() }]);
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('auth.oidc.providers corp: clientSecretFile');
    expect(error.message).toContain(path());
  });

  it('refuses an environment variable that is not set, naming it', () => {
    const error = refusal([{ ...corp, clientSecretEnv: 'LAZARET_TEST_OIDC_UNSET' }]);
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('LAZARET_TEST_OIDC_UNSET');
  });
});
