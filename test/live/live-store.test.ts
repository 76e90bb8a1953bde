// The page's store fed with encoded frames, as the socket feeds it.

import { describe, expect, it } from 'vitest';

import { LiveStore } from '../../client/src/live/live-store';
import { LOSS_HISTORY_MAX_POINTS } from '../../client/src/live/loss-history';
import {
  decodeFrame,
  encodeReconstructionAdded,
  encodeReconstructionHistory,
  encodeStepLosses,
  encodeWeightHistogramAdded,
  encodeWeightHistogramHistory,
} from '../../shared/protocol/frames';
import type { WeightHistogramEntry } from '../../shared/protocol/frames';
import { IMAGE_PIXELS } from '../../shared/training';
import type { StepLoss } from '../../shared/training';

function apply(store: LiveStore, bytes: Uint8Array): void {
  store.applyFrame(decodeFrame(bytes));
}

function outputs(step: number, count = 2) {
  return { epoch: 0, step, count, outputs: new Uint8Array(count * IMAGE_PIXELS).fill(step % 256) };
}

function histogramEntry(step: number): WeightHistogramEntry {
  return { step, tensors: [{ min: -1, max: 1, shares: Uint16Array.from([1, 2]) }] };
}

const probes = { count: 2, images: new Uint8Array(2 * IMAGE_PIXELS).fill(255), labels: Uint8Array.from([0, 1]) };
const layout = { names: ['encoder/dense_1/kernel'], sizes: [6272], bins: 2 };

describe('LiveStore loss history', () => {
  it('keeps 100k loss points within its cap', () => {
    const store = new LiveStore();
    let maximum = 0;
    for (let from = 1; from <= 100_000; from += 100) {
      const batch: StepLoss[] = Array.from({ length: 100 }, (_, i) => ({ step: from + i, loss: 1 / (from + i), elapsedMs: from + i }));
      apply(store, encodeStepLosses(from, batch));
      maximum = Math.max(maximum, store.steps.length);
    }
    expect(maximum).toBeLessThanOrEqual(LOSS_HISTORY_MAX_POINTS);
    expect(store.steps.length).toBe(store.losses.length);
    expect(store.steps.length).toBe(store.elapsedMs.length);
    expect(store.steps.at(-1)).toBe(100_000);
  });
});

describe('LiveStore reconstruction history', () => {
  it('takes the probes and the latest set from the history frame', () => {
    const store = new LiveStore();
    apply(store, encodeReconstructionHistory(1, { capacity: 4, probes, entries: [outputs(0), outputs(10)] }));
    expect(store.probes?.count).toBe(2);
    expect(store.reconstructions?.step).toBe(10);
    expect(store.reconstructions?.inputs).toEqual(probes.images);
  });

  it('drops the entries the host no longer keeps', () => {
    const store = new LiveStore();
    apply(store, encodeReconstructionHistory(1, { capacity: 4, probes, entries: [outputs(0), outputs(10), outputs(20)] }));
    apply(store, encodeReconstructionAdded(2, { entry: outputs(30), retainedSteps: [0, 20, 30] }));
    expect(store.reconstructionHistory?.entries.map((entry) => entry.step)).toEqual([0, 20, 30]);
    expect(store.reconstructions?.step).toBe(30);
  });

  it('skips an added set before any history', () => {
    const store = new LiveStore();
    apply(store, encodeReconstructionAdded(2, { entry: outputs(30), retainedSteps: [30] }));
    expect(store.reconstructionHistory).toBeNull();
    expect(store.reconstructions).toBeNull();
  });
});

describe('LiveStore weight histograms', () => {
  it('appends an entry of the same tensors', () => {
    const store = new LiveStore();
    apply(store, encodeWeightHistogramHistory(1, { capacity: 4, ...layout, entries: [histogramEntry(0)] }));
    apply(store, encodeWeightHistogramAdded(2, { ...layout, entry: histogramEntry(5), retainedSteps: [0, 5] }));
    expect(store.weightHistograms?.entries.map((entry) => entry.step)).toEqual([0, 5]);
  });

  it('skips an entry of other tensors', () => {
    const store = new LiveStore();
    apply(store, encodeWeightHistogramHistory(1, { capacity: 4, ...layout, entries: [histogramEntry(0)] }));
    apply(store, encodeWeightHistogramAdded(2, { ...layout, sizes: [10], entry: histogramEntry(5), retainedSteps: [0, 5] }));
    expect(store.weightHistograms?.entries.map((entry) => entry.step)).toEqual([0]);
  });
});
