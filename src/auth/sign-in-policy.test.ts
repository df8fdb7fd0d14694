import { describe, expect, it } from 'vitest';
import { buildUser } from '../../test/support/builders.js';
import { mayUseLocalPassword, OPEN_SIGN_IN, passwordFormOf, type SignInPolicy } from './sign-in-policy.js';

const required: SignInPolicy = { requireSso: true, breakGlassAdmins: ['root@corp.test'], directory: false };

describe('sign-in policy', () => {
  it('lets everyone use a local password unless single sign-on is required', () => {
    expect(mayUseLocalPassword(OPEN_SIGN_IN, buildUser({ role: 'user' }))).toBe(true);
    expect(mayUseLocalPassword(required, buildUser({ role: 'user' }))).toBe(false);
    expect(mayUseLocalPassword(required, buildUser({ role: 'admin', email: 'other@corp.test' }))).toBe(false);
  });

  it('keeps the password of a break-glass administrator, in any case of the email, and of no one else so listed', () => {
    expect(mayUseLocalPassword(required, buildUser({ role: 'admin', email: 'Root@corp.test' }))).toBe(true);
    expect(mayUseLocalPassword(required, buildUser({ role: 'domain_admin', email: 'root@corp.test' }))).toBe(
      false,
    );
    expect(mayUseLocalPassword(required, buildUser({ role: 'user', email: 'root@corp.test' }))).toBe(false);
  });

  it('hides the password form behind the administrator link only when no directory signs people in with it', () => {
    expect(passwordFormOf(OPEN_SIGN_IN)).toBe('shown');
    expect(passwordFormOf(required)).toBe('break_glass');
    expect(passwordFormOf({ ...required, directory: true })).toBe('shown');
  });
});
