import { describe, expect, it } from 'vitest';
import { canTransition, sourcesOf } from '../../src/core/item-status.js';
import { ITEM_STATUSES, isLive, LIVE_STATUSES } from '../../src/core/types.js';

describe('item state machine', () => {
  it('allows the release path and its way back', () => {
    expect(canTransition('quarantined', 'releasing')).toBe(true);
    expect(canTransition('releasing', 'released')).toBe(true);
    expect(canTransition('releasing', 'quarantined')).toBe(true);
    expect(canTransition('released', 'releasing')).toBe(true);
  });

  it('never leaves deleted or expired', () => {
    for (const to of ITEM_STATUSES) {
      expect(canTransition('deleted', to)).toBe(false);
      expect(canTransition('expired', to)).toBe(false);
    }
  });

  it('does not delete or skip straight to released from a release in progress', () => {
    expect(canTransition('releasing', 'deleted')).toBe(false);
    expect(canTransition('quarantined', 'released')).toBe(false);
    expect(sourcesOf('deleted').sort()).toEqual(['quarantined', 'release_requested', 'released']);
  });

  it('lets a release request be approved (released through releasing), denied, deleted or expire', () => {
    expect(canTransition('quarantined', 'release_requested')).toBe(true);
    expect(sourcesOf('release_requested')).toEqual(['quarantined']);
    expect(canTransition('release_requested', 'releasing')).toBe(true);
    expect(canTransition('release_requested', 'quarantined')).toBe(true);
    expect(canTransition('release_requested', 'released')).toBe(false);
    expect(canTransition('release_requested', 'deleted')).toBe(true);
    expect(canTransition('release_requested', 'expired')).toBe(true);
    // Requesting again or requesting what was released already is not a move.
    expect(canTransition('release_requested', 'release_requested')).toBe(false);
    expect(canTransition('released', 'release_requested')).toBe(false);
  });

  it('counts a requested item as live: it still needs its raw message', () => {
    expect(isLive('release_requested')).toBe(true);
    expect([...LIVE_STATUSES].sort()).toEqual(['quarantined', 'release_requested', 'released', 'releasing']);
  });
});
