import { describe, expect, it } from 'vitest';

import { tensorHistogram, WeightHistogramHistory } from '../../server/broadcast/weight-histograms';

const FULL_SHARE = 0xffff;

function sum(values: Uint16Array): number {
  return values.reduce((total, value) => total + value, 0);
}

describe('tensorHistogram', () => {
  it('spans the values from minimum to maximum', () => {
    const histogram = tensorHistogram(Float32Array.from([-1, 0, 0.5, 3]), 4);
    expect(histogram.min).toBe(-1);
    expect(histogram.max).toBe(3);
    expect(Array.from(histogram.shares)).toEqual([FULL_SHARE / 4, FULL_SHARE / 2, 0, FULL_SHARE / 4].map(Math.round));
  });

  it('puts the maximum into the last bin', () => {
    const histogram = tensorHistogram(Float32Array.from([0, 1]), 10);
    expect(histogram.shares[9]).toBeGreaterThan(0);
  });

  it('widens the range of a constant tensor', () => {
    const histogram = tensorHistogram(new Float32Array(5), 3);
    expect(histogram.min).toBeLessThan(0);
    expect(histogram.max).toBeGreaterThan(0);
    expect(histogram.shares[1]).toBe(FULL_SHARE);
  });

  it('leaves out non-finite values', () => {
    const histogram = tensorHistogram(Float32Array.from([NaN, 1, 2, Infinity]), 2);
    expect(histogram.max).toBe(2);
    // Each bin's share is rounded on its own, so the total may be off by half a unit per bin.
    expect(Math.abs(sum(histogram.shares) - FULL_SHARE)).toBeLessThanOrEqual(1);
  });
});

describe('WeightHistogramHistory', () => {
  const tensors = (scale: number) => [
    { name: 'encoder/kernel', values: Float32Array.from([-scale, 0, scale]) },
    { name: 'encoder/bias', values: new Float32Array(2) },
  ];

  it('resets on the first snapshot, then adds', () => {
    const history = new WeightHistogramHistory(8, 10);
    expect(history.add(0, tensors(1))).toBe('reset');
    expect(history.add(5, tensors(2))).toBe('added');
    expect(history.historyBody()).toMatchObject({ names: ['encoder/kernel', 'encoder/bias'], sizes: [3, 2], bins: 10, capacity: 8 });
    expect(history.historyBody()!.entries.map((entry) => entry.step)).toEqual([0, 5]);
  });

  it('skips a repeated step', () => {
    const history = new WeightHistogramHistory(8, 10);
    history.add(5, tensors(1));
    expect(history.add(5, tensors(1))).toBe('skipped');
    expect(history.length).toBe(1);
  });

  it('starts again for another model', () => {
    const history = new WeightHistogramHistory(8, 10);
    history.add(0, tensors(1));
    history.add(5, tensors(1));
    expect(history.add(10, [{ name: 'encoder/kernel', values: new Float32Array(7) }])).toBe('reset');
    expect(history.historyBody()!.entries.map((entry) => entry.step)).toEqual([10]);
  });

  it('starts again when the step goes back', () => {
    const history = new WeightHistogramHistory(8, 10);
    history.add(50, tensors(1));
    expect(history.add(0, tensors(1))).toBe('reset');
    expect(history.length).toBe(1);
  });

  it('lists the retained steps with each added entry', () => {
    const history = new WeightHistogramHistory(4, 10);
    for (let step = 0; step < 10; step++) history.add(step, tensors(1));
    const body = history.addedBody()!;
    expect(body.entry.step).toBe(9);
    expect(body.retainedSteps.at(-1)).toBe(9);
    expect(body.retainedSteps.length).toBeLessThanOrEqual(4);
  });
});
