import type * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { IMAGE_PIXELS } from '../../shared/training';
import { selectBackend } from '../../server/trainer/backend';
import { loadDataset } from '../../server/trainer/datasets';
import type { Dataset } from '../../server/trainer/datasets/types';
import { FusedDenseStep } from '../../server/trainer/step';
import { epochsOf, lossesOf, train } from './fixtures';

const STDDEV = 0.4;

interface Batch {
  input: Float32Array;
  target: Float32Array;
}

let dataset: Dataset;

beforeAll(async () => {
  await selectBackend('wasm');
  dataset = await loadDataset({ dataset: 'shapes', shapesCount: 600, validationSplit: 0.1, seed: 3 });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Records the input and target values of every training and evaluation call of the dense step. */
function recordBatches(): { trained: Batch[]; evaluated: Batch[] } {
  const trained: Batch[] = [];
  const evaluated: Batch[] = [];
  const { train: originalTrain, evaluate: originalEvaluate } = FusedDenseStep.prototype;
  const copy = (input: tf.Tensor2D, target: tf.Tensor2D): Batch => ({
    input: Float32Array.from(input.dataSync()),
    target: Float32Array.from(target.dataSync()),
  });

  vi.spyOn(FusedDenseStep.prototype, 'train').mockImplementation(function (this: FusedDenseStep, optimizer, input, target) {
    trained.push(copy(input, target));
    return originalTrain.call(this, optimizer, input, target);
  });
  vi.spyOn(FusedDenseStep.prototype, 'evaluate').mockImplementation(function (this: FusedDenseStep, input, target) {
    evaluated.push(copy(input, target));
    return originalEvaluate.call(this, input, target);
  });
  return { trained, evaluated };
}

/** True when every value is a byte divided by 255, as the dataset's clean images are. */
function isCleanImage(values: Float32Array): boolean {
  return values.every((value) => Math.abs(value * 255 - Math.round(value * 255)) < 1e-3);
}

describe('denoising', () => {
  it('trains noisy inputs to clean targets', async () => {
    const { trained } = recordBatches();
    await train(dataset, { denoise: STDDEV, epochs: 1 });
    const { input, target } = trained[0];

    expect(isCleanImage(target)).toBe(true);
    expect(isCleanImage(input)).toBe(false);
    expect(input.every((value) => value >= 0 && value <= 1)).toBe(true);

    // Where the target pixel is black, the clipped noise is 0 half the time, and
    // otherwise averages stddev · √(2/π), the mean of a half-normal distribution.
    const noiseOnBlack = input.filter((_, i) => target[i] === 0);
    const positive = noiseOnBlack.filter((value) => value > 0);
    const meanPositive = positive.reduce((sum, value) => sum + value, 0) / positive.length;
    expect(positive.length / noiseOnBlack.length).toBeCloseTo(0.5, 1);
    expect(meanPositive).toBeCloseTo(STDDEV * Math.sqrt(2 / Math.PI), 1);
  });

  it('validates against clean images', async () => {
    const { evaluated } = recordBatches();
    await train(dataset, { denoise: STDDEV, epochs: 2 });
    const batchesPerEpoch = evaluated.length / 2;
    const first = evaluated[0];
    const cleanFirstBatch = Float32Array.from(dataset.validation.images.subarray(0, first.target.length), (value) => value / 255);

    expect(Number.isInteger(batchesPerEpoch)).toBe(true);
    expect(first.target).toEqual(cleanFirstBatch);
    expect(first.input).not.toEqual(cleanFirstBatch);
    expect(evaluated[batchesPerEpoch].input).toEqual(first.input);
  });

  it('shows noisy probe inputs', async () => {
    const events = await train(dataset, { denoise: STDDEV, epochs: 1 });
    const sets = events.flatMap((event) => (event.type === 'reconstructions' ? [event.set] : []));
    const firstProbeClean = dataset.validation.images.subarray(0, IMAGE_PIXELS);
    const firstProbeShown = sets[0].inputs.subarray(0, IMAGE_PIXELS);
    const changedPixels = firstProbeShown.filter((value, i) => value !== firstProbeClean[i]).length;

    expect(changedPixels).toBeGreaterThan(IMAGE_PIXELS / 4);
    for (const set of sets) expect(set.inputs).toEqual(sets[0].inputs);
  });

  it('shows clean probes without noise', async () => {
    const events = await train(dataset, { epochs: 1 });
    const [first] = events.flatMap((event) => (event.type === 'reconstructions' ? [event.set] : []));
    expect(first.inputs.subarray(0, IMAGE_PIXELS)).toEqual(dataset.validation.images.subarray(0, IMAGE_PIXELS));
  });

  it('lowers the clean validation loss', async () => {
    const events = await train(dataset, { denoise: STDDEV, epochs: 4 });
    const epochs = epochsOf(events);
    expect(epochs[3].validationLoss).toBeLessThan(epochs[0].validationLoss);
    expect(epochs[3].validationLoss).toBeLessThan(lossesOf(events)[0].loss * 0.8);
  });
});
