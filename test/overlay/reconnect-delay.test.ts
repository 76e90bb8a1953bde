import { describe, expect, it } from 'vitest';

import { MAX_RECONNECT_MS, MIN_RECONNECT_MS, reconnectDelay } from '../../client/src/overlay/overlay-socket';

describe('reconnectDelay', () => {
  it('stays within 1 s and 30 s', () => {
    for (let attempt = 0; attempt < 200; attempt++) {
      for (const random of [0, 0.5, 0.999999]) {
        const delay = reconnectDelay(attempt, () => random);
        expect(delay).toBeGreaterThanOrEqual(MIN_RECONNECT_MS);
        expect(delay).toBeLessThanOrEqual(MAX_RECONNECT_MS);
      }
    }
  });

  it('doubles per attempt', () => {
    const ceilings = [0, 1, 2, 3].map((attempt) => reconnectDelay(attempt, () => 1));
    expect(ceilings).toEqual([2000, 4000, 8000, 16000]);
  });

  it('reaches the cap', () => {
    expect(reconnectDelay(10, () => 1)).toBe(MAX_RECONNECT_MS);
    expect(reconnectDelay(10, () => 0)).toBe(MAX_RECONNECT_MS / 2);
  });

  it('spreads delays with jitter', () => {
    expect(reconnectDelay(3, () => 0)).toBeLessThan(reconnectDelay(3, () => 0.9));
  });
});
