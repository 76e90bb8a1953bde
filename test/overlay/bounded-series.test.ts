import { describe, expect, it } from 'vitest';

import { BoundedSeries } from '../../client/src/overlay/bounded-series';

describe('BoundedSeries', () => {
  it('keeps every point below capacity', () => {
    const series = new BoundedSeries(100);
    for (let step = 1; step <= 100; step++) series.push(step, step / 10);
    expect(series.length).toBe(100);
    expect(Array.from(series.steps())).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('stays within capacity over a long run', () => {
    const series = new BoundedSeries(64);
    let largest = 0;
    for (let step = 1; step <= 100_000; step++) {
      series.push(step, Math.sin(step));
      largest = Math.max(largest, series.length);
    }
    expect(largest).toBe(64);
  });

  it('keeps the first and the newest point', () => {
    const series = new BoundedSeries(64);
    for (let step = 1; step <= 10_000; step++) series.push(step, 1);
    expect(series.step(0)).toBe(1);
    expect(series.lastStep).toBe(10_000);
  });

  it('keeps steps ascending', () => {
    const series = new BoundedSeries(32);
    for (let step = 1; step <= 5_000; step++) series.push(step * 3, Math.cos(step));
    const steps = Array.from(series.steps());
    expect(steps.every((step, i) => i === 0 || step > steps[i - 1])).toBe(true);
  });

  it('keeps a spike through compactions', () => {
    const series = new BoundedSeries(64);
    for (let step = 1; step <= 20_000; step++) series.push(step, step === 777 ? 50 : 1);
    expect(Math.max(...series.values())).toBe(50);
  });

  it('starts over after clear', () => {
    const series = new BoundedSeries(16);
    for (let step = 1; step <= 40; step++) series.push(step, 0);
    series.clear();
    series.push(5, 0.5);
    expect(Array.from(series.steps())).toEqual([5]);
  });

  it.each([0, 15, 2.5, NaN])('rejects capacity %s', (capacity) => {
    expect(() => new BoundedSeries(capacity)).toThrow(/capacity/);
  });
});
