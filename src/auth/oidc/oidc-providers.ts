import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import type { Static } from 'typebox';
import type { OidcProviderSchema } from '../../config/config-schema.js';
import { LazaretError } from '../../core/errors.js';

export type OidcProviderConfig = Static<typeof OidcProviderSchema>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function clientSecretOf(provider: OidcProviderConfig): string | undefined {
  if (provider.clientSecretFile) {
    try {
      return readFileSync(provider.clientSecretFile, 'utf8').trim();
    } catch (error) {
      throw new LazaretError(
        'oidc_failed',
        `Cannot read the client secret of ${provider.label} from ${provider.clientSecretFile}: ${(error as Error).message}`,
      );
    }
  }
  if (provider.clientSecretEnv) {
    const secret = process.env[provider.clientSecretEnv];
    if (!secret) {
      throw new LazaretError(
        'config_invalid',
        `auth.oidc.providers ${provider.id}: environment variable ${provider.clientSecretEnv} is not set.`,
      );
    }
    return secret;
  }
  return undefined;
}

/**
 * The configured providers, each discovered (issuer metadata and keys) on first use and kept; a
 * failed discovery is retried on the next sign-in. Plain http is accepted only for a loopback issuer.
 */
export class OidcProviders {
  private readonly discovered = new Map<string, Promise<client.Configuration>>();

  constructor(readonly list: readonly OidcProviderConfig[]) {}

  provider(id: string): OidcProviderConfig {
    const provider = this.list.find((entry) => entry.id === id);
    if (!provider) throw new LazaretError('not_found', `No sign-in provider ${JSON.stringify(id)}.`);
    return provider;
  }

  configuration(provider: OidcProviderConfig): Promise<client.Configuration> {
    let found = this.discovered.get(provider.id);
    if (!found) {
      found = this.discover(provider);
      this.discovered.set(provider.id, found);
      found.catch(() => this.discovered.delete(provider.id));
    }
    return found;
  }

  private async discover(provider: OidcProviderConfig): Promise<client.Configuration> {
    const issuer = new URL(provider.issuer);
    const insecure = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
    try {
      return await client.discovery(
        issuer,
        provider.clientId,
        clientSecretOf(provider),
        undefined,
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      );
    } catch (error) {
      if (error instanceof LazaretError) throw error;
      throw new LazaretError(
        'oidc_failed',
        `Cannot reach ${provider.label} (${provider.issuer}): ${(error as Error).message}`,
      );
    }
  }
}
