import { describe, expect, it } from 'vitest';
import { canTransition, sourcesOf } from '../../src/core/item-status.js';

describe('item state machine', () => {
  it('allows the release path and its way back', () => {
    expect(canTransition('quarantined', 'releasing')).toBe(true);
    expect(canTransition('releasing', 'released')).toBe(true);
    expect(canTransition('releasing', 'quarantined')).toBe(true);
    expect(canTransition('released', 'releasing')).toBe(true);
  });

  it('never leaves deleted or expired', () => {
    for (const to of ['quarantined', 'releasing', 'released', 'deleted', 'expired'] as const) {
      expect(canTransition('deleted', to)).toBe(false);
      expect(canTransition('expired', to)).toBe(false);
    }
  });

  it('does not delete or skip straight to released from a release in progress', () => {
    expect(canTransition('releasing', 'deleted')).toBe(false);
    expect(canTransition('quarantined', 'released')).toBe(false);
    expect(sourcesOf('deleted').sort()).toEqual(['quarantined', 'released']);
  });
});
