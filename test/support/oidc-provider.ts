import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A person the test provider knows; `claims` are what it asserts about them (change them between sign-ins). */
export interface TestAccount {
  sub: string;
  claims: Record<string, unknown>;
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

/**
 * A real OpenID provider (panva's oidc-provider) on a loopback port, with its development login and
 * consent pages: any login name that is an account's `sub` signs in with any password. Started in two
 * steps because its clients' redirect URIs name a server that needs the issuer first.
 */
export class TestOidcProvider {
  readonly accounts = new Map<string, TestAccount>();
  private server: Server | null = null;
  private handler: ((request: IncomingMessage, response: ServerResponse) => void) | null = null;
  issuer = '';

  async listen(): Promise<this> {
    this.server = createServer((request, response) => {
      if (this.handler) this.handler(request, response);
      else response.writeHead(503).end('provider not configured yet');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Sets the provider up for `clients`; `extraClaims` are released under the `groups` scope. */
  configure(clients: readonly TestClient[], extraClaims: readonly string[] = []): void {
    const provider = new Provider(this.issuer, {
      clients: clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: client.redirectUris,
        post_logout_redirect_uris: client.postLogoutRedirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
      })),
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name'],
        groups: ['groups', ...extraClaims],
      },
      scopes: ['openid', 'email', 'profile', 'groups'],
      features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
      cookies: { keys: ['lazaret-test-provider-cookie-key'] },
      findAccount: (_context, sub) => {
        const account = this.accounts.get(sub);
        if (!account) return undefined;
        return { accountId: sub, claims: () => ({ sub, ...account.claims }) };
      },
    });
    this.handler = provider.callback();
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
