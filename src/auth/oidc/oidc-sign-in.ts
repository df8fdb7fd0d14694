import * as client from 'openid-client';
import { isLazaretError, LazaretError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { externalIdOf, identityOf, tenantsOfUser, type UserRecord } from '../../store/user-store.js';
import { audit } from '../audit.js';
import { type AuthDeps, openSession } from '../authenticate.js';
import type { RateLimits } from '../rate-limits.js';
import { shapeRole } from '../user-admin.js';
import { type ClaimedIdentity, identityFromClaims } from './oidc-claims.js';
import type { OidcProviderConfig, OidcProviders } from './oidc-providers.js';

/** What the browser keeps (in an httpOnly cookie) between the redirect to the provider and its return. */
export interface OidcFlow {
  provider: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Where in the web UI to go after signing in (a path on this server). */
  next: string;
}

export interface OidcDeps extends AuthDeps {
  providers: OidcProviders;
  /** Where the provider sends the browser back to, for a provider id. */
  redirectUri: (providerId: string) => string;
}

/** The most precise message in the library's chain of causes (e.g. `unexpected ID Token "nonce" claim value`). */
function reasonOf(error: unknown): string {
  let precise = error;
  while (precise instanceof Error && precise.cause instanceof Error) precise = precise.cause;
  return precise instanceof Error ? precise.message : String(precise);
}

/** `next` when it is a path on this server, else `/`: never a redirect to another site. */
export function localPath(next: string | undefined): string {
  return next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

const DEFAULT_SCOPES = ['openid', 'email', 'profile'];

/** Begins an authorization code flow with PKCE, state and nonce: the provider URL and the flow to keep. */
export async function startOidcSignIn(
  deps: OidcDeps,
  providerId: string,
  next: string,
): Promise<{ url: string; flow: OidcFlow }> {
  const provider = deps.providers.provider(providerId);
  const configuration = await deps.providers.configuration(provider);
  const flow: OidcFlow = {
    provider: provider.id,
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier: client.randomPKCECodeVerifier(),
    next: localPath(next),
  };
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: deps.redirectUri(provider.id),
    scope: (provider.scopes ?? DEFAULT_SCOPES).join(' '),
    code_challenge: await client.calculatePKCECodeChallenge(flow.codeVerifier),
    code_challenge_method: 'S256',
    state: flow.state,
    nonce: flow.nonce,
  });
  return { url: url.href, flow };
}

/** The claims' name, role and access, for a user who exists already. */
function refreshOf(claims: ClaimedIdentity, at: string) {
  return {
    at,
    displayName: claims.displayName,
    role: claims.role,
    ...shapeRole(claims.email, claims.role, claims.domains, claims.addresses),
  };
}

/**
 * Why the account with the claimed email may not be linked to this identity, or null when it may: it
 * is linked to another identity already, or it is a local account (a password) and the provider is
 * not trusted to take those over (`linkLocalAccounts`). A link to a directory entry (LDAP sign-in)
 * does not stand in the way: such accounts were linked at first SSO sign-in before directory links
 * were kept, and an organisation moving from its directory to single sign-on keeps its accounts.
 */
function linkRefusal(provider: OidcProviderConfig, existing: UserRecord): string | null {
  if (existing.externalId !== undefined && identityOf(existing.externalId)?.method !== 'ldap')
    return 'linked_to_another_identity';
  if (existing.passwordHash !== null && provider.linkLocalAccounts !== true) return 'local_account';
  return null;
}

/** How often a first sign-in retries when a concurrent one (another tab) created or linked the user meanwhile. */
const UPSERT_ATTEMPTS = 3;

/**
 * The user the provider's identity (`sub`) is linked to, refreshed from the claims. Found by the link
 * first, so a changed email at the provider keeps the account (its sign-in email stays; its addresses
 * follow the claims). Without a link: the account with the verified email is linked (unless
 * linkRefusal says no: `sso_link_refused`), or a new one is created just in time.
 */
async function upsertUser(
  deps: OidcDeps,
  provider: OidcProviderConfig,
  claims: ClaimedIdentity,
  attempt = 1,
): Promise<UserRecord> {
  const externalId = externalIdOf('oidc', provider.id, claims.subject);
  const now = deps.now().toISOString();
  const origin = { actor: null, label: `oidc:${claims.email}` };
  const retry = (error: unknown): Promise<UserRecord> => {
    // The same person's first sign-in in two tabs: the other one created or linked them; use that.
    if (isLazaretError(error, 'user_exists') && attempt < UPSERT_ATTEMPTS) {
      return upsertUser(deps, provider, claims, attempt + 1);
    }
    throw error;
  };
  const linked = await deps.users.getUserByExternalId(externalId);
  if (linked) return (await deps.users.updateUser(linked.id, refreshOf(claims, now))) ?? linked;
  const existing = await deps.users.getUserByEmail(claims.email);
  if (existing) {
    const refusal = linkRefusal(provider, existing);
    if (refusal) {
      throw new LazaretError(
        'sso_link_refused',
        refusal === 'local_account'
          ? `${existing.email} is a local account of Lazaret; ${provider.label} takes such accounts over only when configured with linkLocalAccounts.`
          : `${existing.email} is linked to another identity; Lazaret does not hand it to a different one.`,
        { reason: refusal },
      );
    }
    let updated: UserRecord | null;
    try {
      updated = await deps.users.updateUser(existing.id, { ...refreshOf(claims, now), externalId });
    } catch (error) {
      return retry(error);
    }
    await audit(deps, origin, {
      action: 'user.update',
      target: { userId: existing.id },
      tenants: tenantsOfUser(updated ?? existing),
      params: { email: existing.email, method: 'oidc', provider: provider.id, link: 'linked' },
    });
    return updated ?? existing;
  }
  const shape = shapeRole(claims.email, claims.role, claims.domains, claims.addresses);
  const user: UserRecord = {
    id: newId(),
    email: claims.email,
    displayName: claims.displayName,
    role: claims.role,
    ...shape,
    passwordHash: null,
    disabled: false,
    releaseMode: null,
    createdAt: now,
    updatedAt: now,
    externalId,
  };
  try {
    await deps.users.createUser(user);
  } catch (error) {
    return retry(error);
  }
  await audit(deps, origin, {
    action: 'user.create',
    target: { userId: user.id },
    tenants: tenantsOfUser(user),
    params: { email: user.email, role: user.role, method: 'oidc', provider: provider.id },
  });
  return user;
}

/**
 * Completes the flow the provider sent the browser back from: checks state, exchanges the code
 * (PKCE), verifies the ID token and its nonce, then signs the user in. Rate-limited and audited like
 * a password sign-in; a failure is `oidc_state_invalid` or `oidc_failed`.
 */
export async function finishOidcSignIn(
  deps: OidcDeps,
  limits: RateLimits,
  input: { providerId: string; flow: OidcFlow | null; callbackUrl: URL; ip: string },
) {
  const provider = deps.providers.provider(input.providerId);
  const limitKey = `oidc:${provider.id}`;
  const origin = { actor: null, ip: input.ip, label: limitKey };
  await limits.loginAttempt(`${limitKey}:${input.ip}`, input.ip);
  const fail = async (error: LazaretError): Promise<never> => {
    await audit(deps, origin, {
      action: 'auth.login',
      outcome: 'failed',
      params: { method: 'oidc', provider: provider.id, reason: error.code },
    });
    throw error;
  };
  const flow = input.flow;
  if (!flow || flow.provider !== provider.id || input.callbackUrl.searchParams.get('state') !== flow.state) {
    return fail(
      new LazaretError(
        'oidc_state_invalid',
        'This sign-in does not match the one started in this browser (state); start it again.',
      ),
    );
  }
  let claims: Record<string, unknown>;
  let idToken: string | undefined;
  try {
    const configuration = await deps.providers.configuration(provider);
    const tokens = await client.authorizationCodeGrant(configuration, input.callbackUrl, {
      pkceCodeVerifier: flow.codeVerifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    claims = { ...(tokens.claims() ?? {}) };
    if (claims.email === undefined || (provider.aliasClaims ?? []).some((c) => claims[c] === undefined)) {
      const info = await client.fetchUserInfo(configuration, tokens.access_token, String(claims.sub));
      claims = { ...info, ...claims };
    }
    idToken = tokens.id_token;
  } catch (error) {
    if (error instanceof LazaretError) return fail(error);
    return fail(new LazaretError('oidc_failed', `${provider.label} sign-in failed: ${reasonOf(error)}`));
  }
  let user: UserRecord;
  try {
    user = await upsertUser(deps, provider, identityFromClaims(provider, claims));
  } catch (error) {
    if (error instanceof LazaretError && error.code !== 'store_error') return fail(error);
    throw error;
  }
  if (user.disabled) {
    return fail(new LazaretError('oidc_failed', 'The account is disabled in Lazaret.'));
  }
  await limits.loginSucceeded(`${limitKey}:${input.ip}`, input.ip);
  const opened = await openSession(deps, user, input.ip, { method: 'oidc', provider: provider.id });
  return { ...opened, idToken };
}

/** The provider's RP-initiated logout URL, when it offers `end_session_endpoint`; else null. */
export async function oidcLogoutUrl(
  deps: Pick<OidcDeps, 'providers'>,
  input: { providerId: string; idToken: string | undefined; postLogoutRedirectUri: string },
): Promise<string | null> {
  const provider = deps.providers.provider(input.providerId);
  const configuration = await deps.providers.configuration(provider);
  if (!configuration.serverMetadata().end_session_endpoint) return null;
  return client.buildEndSessionUrl(configuration, {
    post_logout_redirect_uri: input.postLogoutRedirectUri,
    client_id: provider.clientId,
    ...(input.idToken ? { id_token_hint: input.idToken } : {}),
  }).href;
}
