import { describe, expect, it } from 'vitest';

import { ThinnedHistory } from '../../server/broadcast/thinned-history';

/** Offers steps 0, 10, 20, … and returns the history. */
function offered(capacity: number, offers: number): ThinnedHistory<{ step: number }> {
  const history = new ThinnedHistory<{ step: number }>(capacity);
  for (let i = 0; i < offers; i++) history.add({ step: i * 10 });
  return history;
}

describe('ThinnedHistory', () => {
  it('keeps every entry below capacity', () => {
    expect(offered(8, 7).retainedSteps()).toEqual([0, 10, 20, 30, 40, 50, 60]);
  });

  it('never holds more than its capacity', () => {
    for (let offers = 1; offers <= 500; offers++) {
      expect(offered(8, offers).length).toBeLessThanOrEqual(8);
    }
  });

  it('keeps the first and the newest entry', () => {
    for (const offers of [9, 17, 100, 333]) {
      const steps = offered(8, offers).retainedSteps();
      expect(steps[0]).toBe(0);
      expect(steps.at(-1)).toBe((offers - 1) * 10);
    }
  });

  it('spaces kept entries evenly', () => {
    const steps = offered(16, 1000).retainedSteps().slice(0, -1);
    const gaps = new Set(steps.slice(1).map((step, i) => step - steps[i]));
    expect(gaps.size).toBe(1);
  });

  it('spans the whole run after thinning', () => {
    const steps = offered(16, 1000).retainedSteps();
    expect(steps.length).toBeGreaterThanOrEqual(8);
    expect(steps[steps.length - 2]).toBeGreaterThan(9990 - 9990 / 8);
  });

  it('rejects an entry that is not after the newest', () => {
    const history = offered(8, 3);
    expect(history.add({ step: 20 })).toBe(false);
    expect(history.add({ step: 5 })).toBe(false);
    expect(history.retainedSteps()).toEqual([0, 10, 20]);
  });

  it('starts again after clear', () => {
    const history = offered(8, 50);
    history.clear();
    history.add({ step: 3 });
    expect(history.retainedSteps()).toEqual([3]);
  });

  it('rejects a capacity below 3', () => {
    expect(() => new ThinnedHistory(2)).toThrow(/capacity 2 is invalid/);
  });
});
