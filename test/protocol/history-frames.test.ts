import { describe, expect, it } from 'vitest';

import {
  decodeFrame,
  encodeReconstructionAdded,
  encodeReconstructionHistory,
  encodeWeightHistogramAdded,
  encodeWeightHistogramHistory,
  FrameError,
  FrameType,
} from '../../shared/protocol/frames';
import type { ReconstructionHistoryBody, WeightHistogramHistoryBody } from '../../shared/protocol/frames';
import { IMAGE_PIXELS } from '../../shared/training';

/** `count` images whose pixels all have the value `fill`. */
function images(count: number, fill: number): Uint8Array {
  return new Uint8Array(count * IMAGE_PIXELS).fill(fill);
}

const reconstructionHistory: ReconstructionHistoryBody = {
  capacity: 64,
  probes: { count: 2, images: images(2, 200), labels: Uint8Array.from([3, 7]) },
  entries: [
    { epoch: 0, step: 0, count: 2, outputs: images(2, 10) },
    { epoch: 1, step: 40, count: 2, outputs: images(2, 90) },
  ],
};

const histogramHistory: WeightHistogramHistoryBody = {
  capacity: 100,
  bins: 3,
  names: ['encoder/dense_Dense1/kernel', 'encoder/dense_Dense1/bias'],
  sizes: [6272, 8],
  entries: [
    { step: 0, tensors: [{ min: -0.5, max: 0.5, shares: Uint16Array.from([100, 200, 300]) }, { min: -1, max: 1, shares: Uint16Array.from([0, 65535, 0]) }] },
    { step: 20, tensors: [{ min: -0.75, max: 0.5, shares: Uint16Array.from([1, 2, 3]) }, { min: -0.25, max: 2, shares: Uint16Array.from([4, 5, 6]) }] },
  ],
};

describe('reconstruction history frames', () => {
  it('round-trips the whole history', () => {
    const frame = decodeFrame(encodeReconstructionHistory(3, reconstructionHistory));
    expect(frame).toEqual({ type: FrameType.ReconstructionHistory, seq: 3, step: 40, body: reconstructionHistory });
  });

  it('round-trips an empty history', () => {
    const empty = { ...reconstructionHistory, entries: [] };
    expect(decodeFrame(encodeReconstructionHistory(3, empty)).body).toEqual(empty);
  });

  it('round-trips an added entry with the retained steps', () => {
    const body = { entry: { epoch: 2, step: 80, count: 2, outputs: images(2, 128) }, retainedSteps: [0, 80] };
    expect(decodeFrame(encodeReconstructionAdded(4, body))).toEqual({ type: FrameType.ReconstructionAdded, seq: 4, step: 80, body });
  });

  it('rejects an entry that does not match the probes', () => {
    const mismatched = { ...reconstructionHistory, entries: [{ epoch: 0, step: 0, count: 1, outputs: images(1, 0) }] };
    expect(() => encodeReconstructionHistory(1, mismatched)).toThrow(/has 1 images; the probes have 2/);
  });

  it('rejects a truncated history', () => {
    const bytes = encodeReconstructionHistory(3, reconstructionHistory);
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 1))).toThrow(FrameError);
  });

  it('rejects trailing bytes', () => {
    const bytes = encodeReconstructionAdded(4, { entry: { epoch: 0, step: 0, count: 1, outputs: images(1, 0) }, retainedSteps: [0] });
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    expect(() => decodeFrame(padded)).toThrow(/1 bytes after its last field/);
  });
});

describe('weight histogram frames', () => {
  it('round-trips the whole history', () => {
    const decoded = decodeFrame(encodeWeightHistogramHistory(5, histogramHistory));
    expect(decoded).toEqual({ type: FrameType.WeightHistogramHistory, seq: 5, step: 20, body: histogramHistory });
  });

  it('round-trips an added entry with the retained steps', () => {
    const { entries, capacity: _capacity, ...layout } = histogramHistory;
    const body = { ...layout, entry: entries[1], retainedSteps: [0, 20] };
    expect(decodeFrame(encodeWeightHistogramAdded(6, body))).toEqual({ type: FrameType.WeightHistogramAdded, seq: 6, step: 20, body });
  });

  it('rejects an entry with the wrong bin count', () => {
    const wrong = { ...histogramHistory, bins: 4 };
    expect(() => encodeWeightHistogramHistory(1, wrong)).toThrow(/has 3 bins, not 4/);
  });

  it('rejects a tensor name over 255 bytes', () => {
    const long = { ...histogramHistory, names: ['x'.repeat(256), 'bias'] };
    expect(() => encodeWeightHistogramHistory(1, long)).toThrow(/longer than 255 bytes/);
  });

  it('rejects a truncated history', () => {
    const bytes = encodeWeightHistogramHistory(5, histogramHistory);
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 2))).toThrow(/truncated/);
  });
});
