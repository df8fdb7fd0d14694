import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { LazaretError } from '../core/errors.js';

export interface RateLimitSettings {
  loginMaxFailuresPerAccount: number;
  loginMaxFailuresPerIp: number;
  loginWindowMs: number;
  tokenRequestsPerMinute: number;
}

function limited(what: string, rejection: unknown): LazaretError {
  if (!(rejection instanceof RateLimiterRes)) throw rejection;
  const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
  return new LazaretError('rate_limited', `Too many ${what}; try again in ${retryAfterSeconds} s.`, {
    retryAfterSeconds,
  });
}

/**
 * Counters in this process's memory: each node limits on its own, which bounds a brute-force run
 * by the number of nodes without a shared store in the sign-in path.
 */
export class RateLimits {
  private readonly loginAccount: RateLimiterMemory;
  private readonly loginIp: RateLimiterMemory;
  private readonly token: RateLimiterMemory;

  constructor(settings: RateLimitSettings) {
    const duration = Math.ceil(settings.loginWindowMs / 1000);
    this.loginAccount = new RateLimiterMemory({
      keyPrefix: 'login-account',
      points: settings.loginMaxFailuresPerAccount,
      duration,
    });
    this.loginIp = new RateLimiterMemory({
      keyPrefix: 'login-ip',
      points: settings.loginMaxFailuresPerIp,
      duration,
    });
    this.token = new RateLimiterMemory({
      keyPrefix: 'token',
      points: settings.tokenRequestsPerMinute,
      duration: 60,
    });
  }

  /**
   * Counts a sign-in attempt against the account and the address before the password is checked, so
   * parallel guesses cannot slip past the limit; `loginSucceeded` gives the points back.
   * Rejects with `rate_limited` once either limit is spent.
   */
  async loginAttempt(email: string, ip: string): Promise<void> {
    const ipState = await this.loginIp.get(ip);
    if (ipState && ipState.consumedPoints >= this.loginIp.points)
      throw limited('failed sign-ins from your address', ipState);
    try {
      await this.loginAccount.consume(email);
    } catch (rejection) {
      throw limited('failed sign-ins for this account', rejection);
    }
    try {
      await this.loginIp.consume(ip);
    } catch (rejection) {
      await this.loginAccount.reward(email);
      throw limited('failed sign-ins from your address', rejection);
    }
  }

  /** A correct password clears the account's count and returns the address's point. */
  async loginSucceeded(email: string, ip: string): Promise<void> {
    await this.loginAccount.delete(email);
    await this.loginIp.reward(ip);
  }

  /**
   * Before a credential other than a password is checked (the rspamd hand-off's secret): rejects with
   * `rate_limited` while the address has spent its failed sign-ins (the same count as loginAttempt's).
   */
  async addressAllowed(ip: string): Promise<void> {
    const state = await this.loginIp.get(ip);
    if (state && state.consumedPoints >= this.loginIp.points)
      throw limited('failed sign-ins from your address', state);
  }

  /** A wrong credential (see addressAllowed) counts as a failed sign-in from the address. */
  async addressFailed(ip: string): Promise<void> {
    await this.loginIp.consume(ip).catch((rejection: unknown) => {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
    });
  }

  /** Counts one request made with an API token; rejects with `rate_limited` past the per-minute limit. */
  async tokenRequest(tokenId: string): Promise<void> {
    try {
      await this.token.consume(tokenId);
    } catch (rejection) {
      throw limited('requests with this token', rejection);
    }
  }
}
