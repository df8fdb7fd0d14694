import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { docSnippets } from '../support/docs-snippets.js';
import { tempDir } from '../support/env.js';

describe('docs/authentication.md', () => {
  const snippets = docSnippets('authentication.md');

  it('has an OpenID Connect example for Keycloak, Microsoft Entra ID, Google and Authentik', () => {
    expect([...snippets.keys()]).toEqual(
      expect.arrayContaining(['keycloak', 'entra', 'google', 'authentik']),
    );
  });

  it.each([...snippets.entries()])('the %s example is a valid configuration file', async (name, snippet) => {
    const dir = await tempDir();
    try {
      const file = join(dir.path, `${name}.json`);
      await writeFile(file, JSON.stringify(snippet));
      const config = loadConfig({ file, env: {} });
      expect(config.auth.oidc.providers.map((provider) => provider.id)).toEqual([name]);
    } finally {
      await dir.cleanup();
    }
  });

  it('names an invalid provider entry and the key in the error', async () => {
    expect(() =>
      loadConfig({ env: { LAZARET_OIDC_PROVIDERS: JSON.stringify([{ id: 'x', label: 'X' }]) } }),
    ).toThrow(/auth\.oidc\.providers \(env LAZARET_OIDC_PROVIDERS\): entry \/0/);
    const twice = { id: 'corp', label: 'Corp', issuer: 'https://sso.corp.test', clientId: 'lazaret' };
    expect(() => loadConfig({ env: { LAZARET_OIDC_PROVIDERS: JSON.stringify([twice, twice]) } })).toThrow(
      /provider id "corp" is given twice/,
    );
  });
});
