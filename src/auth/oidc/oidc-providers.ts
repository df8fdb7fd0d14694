import * as client from 'openid-client';
import type { Static } from 'typebox';
import type { OidcProviderSchema } from '../../config/config-schema.js';
import { LazaretError } from '../../core/errors.js';
import { readConfiguredFile } from '../secrets.js';

export type OidcProviderConfig = Static<typeof OidcProviderSchema>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A provider's client secret, from its file or environment variable; missing → `config_invalid`. */
function clientSecretOf(provider: OidcProviderConfig): string | undefined {
  if (provider.clientSecretFile) {
    return readConfiguredFile(
      provider.clientSecretFile,
      `auth.oidc.providers ${provider.id}: clientSecretFile`,
    ).trim();
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
 * The client secrets are read when the providers are built, so a start fails on one it cannot read.
 */
export class OidcProviders {
  private readonly discovered = new Map<string, Promise<client.Configuration>>();
  private readonly secrets: ReadonlyMap<string, string | undefined>;

  constructor(readonly list: readonly OidcProviderConfig[]) {
    this.secrets = new Map(list.map((provider) => [provider.id, clientSecretOf(provider)]));
  }

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
        this.secrets.get(provider.id),
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
