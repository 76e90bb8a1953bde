import { describe, expect, it } from 'vitest';

import { LossHistory, minMaxByStep } from '../../client/src/live/loss-history';
import type { StepLoss } from '../../shared/training';

/** Points for steps `from` to `to` inclusive, with a smooth loss and 10 ms a step. */
function points(from: number, to: number): StepLoss[] {
  const result: StepLoss[] = [];
  for (let step = from; step <= to; step++) result.push({ step, loss: 1 / Math.sqrt(step), elapsedMs: step * 10 });
  return result;
}

describe('LossHistory', () => {
  it('keeps every point below the cap', () => {
    const history = new LossHistory(100);
    history.append(points(1, 100));
    expect(history.length).toBe(100);
    expect(history.compactionCount).toBe(0);
    expect(Array.from(history.steps.subarray(0, 3))).toEqual([1, 2, 3]);
  });

  it('stays within its cap for 100k points', () => {
    const history = new LossHistory(1000);
    for (let from = 1; from <= 100_000; from += 250) {
      history.append(points(from, from + 249));
      expect(history.length).toBeLessThanOrEqual(1000);
    }
    expect(history.compactionCount).toBeGreaterThan(0);
  });

  it('keeps the first and the newest point', () => {
    const history = new LossHistory(1000);
    history.append(points(1, 20_000));
    expect(history.steps[0]).toBe(1);
    expect(history.last()).toEqual({ step: 20_000, loss: 1 / Math.sqrt(20_000), elapsedMs: 200_000 });
  });

  it('keeps a one-step spike through compactions', () => {
    const history = new LossHistory(1000);
    const run = points(1, 50_000);
    run[12_345].loss = 9;
    run[33_333].loss = -1;
    history.append(run);
    expect(Math.max(...history.losses)).toBe(9);
    expect(Math.min(...history.losses)).toBe(-1);
  });

  it('spreads kept points evenly over the steps', () => {
    const history = new LossHistory(1000);
    for (let from = 1; from <= 100_000; from += 1000) history.append(points(from, from + 999));
    const firstHalf = history.steps.filter((step) => step <= 50_000).length;
    const secondHalf = history.steps.filter((step) => step > 50_000).length;
    // Points appended since the last compaction are denser, so the newer half contains more, but the older half keeps a fair share.
    expect(firstHalf).toBeGreaterThan(history.length / 5);
    expect(secondHalf).toBeGreaterThan(0);
  });

  it('keeps steps ascending and columns aligned', () => {
    const history = new LossHistory(500);
    history.append(points(1, 10_000));
    for (let i = 1; i < history.length; i++) {
      expect(history.steps[i]).toBeGreaterThan(history.steps[i - 1]);
      expect(history.elapsedMs[i]).toBe(history.steps[i] * 10);
    }
  });

  it('skips points that are not after the newest step', () => {
    const history = new LossHistory(100);
    history.append(points(1, 10));
    expect(history.append([...points(5, 6), ...points(11, 11)])).toBe(2);
    expect(Array.from(history.steps.subarray(-2))).toEqual([10, 11]);
  });

  it('returns new column views after an append', () => {
    const history = new LossHistory(100);
    const before = history.steps;
    history.append(points(1, 1));
    expect(history.steps).not.toBe(before);
  });

  it('rejects a cap below 16', () => {
    expect(() => new LossHistory(8)).toThrow(/maxPoints 8 is invalid/);
  });
});

describe('minMaxByStep', () => {
  it('keeps the lowest and highest point of each bucket in step order', () => {
    const steps = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const losses = [5, 4, 9, 1, 3, 8, 2, 7, 6, 0];
    expect(minMaxByStep(steps, losses, 10, 2)).toEqual([0, 2, 3, 5, 6, 9]);
  });

  it('drops non-finite losses inside', () => {
    expect(minMaxByStep([0, 1, 2, 3], [1, NaN, NaN, 1], 4, 1)).toEqual([0, 3]);
  });
});
