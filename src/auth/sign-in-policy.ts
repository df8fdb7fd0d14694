import type { UserRecord } from '../store/user-store.js';
import { administersAll } from './access-policy.js';

/**
 * Which ways of signing in the organisation allows (`auth.requireSso`, `auth.breakGlassAdmins`): the
 * one place that decides whether a person may use their local password, and what the sign-in page offers.
 */
export interface SignInPolicy {
  /** `auth.requireSso`: people sign in through an OpenID Connect provider or the directory. */
  requireSso: boolean;
  /** `auth.breakGlassAdmins`, canonical emails: administrators whose local password still works. */
  breakGlassAdmins: readonly string[];
  /** Whether a directory (`auth.ldap`) checks the passwords of people without a local one. */
  directory: boolean;
}

export const OPEN_SIGN_IN: SignInPolicy = { requireSso: false, breakGlassAdmins: [], directory: false };

/**
 * Whether the sign-in page shows the password form to everyone (`shown`: no SSO requirement, or the
 * directory's people sign in with their directory password there), or only behind a small
 * "administrator sign-in" link for the break-glass administrators (`break_glass`).
 */
export type PasswordForm = 'shown' | 'break_glass';

export function passwordFormOf(policy: SignInPolicy): PasswordForm {
  return policy.requireSso && !policy.directory ? 'break_glass' : 'shown';
}

/** Is `email` one of the break-glass administrators' (compared lower-cased)? */
export function isBreakGlass(policy: SignInPolicy, email: string): boolean {
  return policy.breakGlassAdmins.includes(email.toLowerCase());
}

/**
 * May this account sign in with its local password (the one Lazaret keeps)? Always, unless SSO is
 * required: then only an administrator (role `admin`) listed in `auth.breakGlassAdmins`. Directory
 * passwords and OpenID Connect are single sign-on and never refused here.
 */
export function mayUseLocalPassword(policy: SignInPolicy, user: Pick<UserRecord, 'email' | 'role'>): boolean {
  if (!policy.requireSso) return true;
  return administersAll(user) && isBreakGlass(policy, user.email);
}
