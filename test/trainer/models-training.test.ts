import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import type { ModelKind } from '../../shared/training';
import { selectBackend } from '../../server/trainer/backend';
import { loadDataset } from '../../server/trainer/datasets';
import type { Dataset } from '../../server/trainer/datasets/types';
import { epochsOf, lossesOf, memoryOf, subset, train } from './fixtures';

const MODELS: ModelKind[] = ['dense', 'deep', 'conv', 'vae'];

let shapes: Dataset;
let mnist: Dataset;

beforeAll(async () => {
  await selectBackend('wasm');
  shapes = await loadDataset({ dataset: 'shapes', shapesCount: 600, validationSplit: 0.1, seed: 3 });
  // Small subsets keep the convolutional model to a few seconds per epoch.
  mnist = subset(await loadDataset({ dataset: 'mnist', shapesCount: 0, validationSplit: 0.1, seed: 1 }), 1200, 200);
});

describe.each(MODELS)('--model %s', (model) => {
  it('lowers the loss on shapes', async () => {
    const events = await train(shapes, { model, hidden: [64], epochs: 3 });
    const epochs = epochsOf(events);
    const firstStepLoss = lossesOf(events)[0].loss;

    expect(epochs).toHaveLength(3);
    expect(epochs[2].validationLoss).toBeLessThan(epochs[0].validationLoss);
    expect(epochs[2].validationLoss).toBeLessThan(firstStepLoss * 0.8);
  });

  it('lowers the loss on MNIST', async () => {
    const events = await train(mnist, { model, hidden: [128], latent: 16, epochs: 3 });
    const epochs = epochsOf(events);
    const firstStepLoss = lossesOf(events)[0].loss;

    expect(epochs[2].validationLoss).toBeLessThan(epochs[0].validationLoss);
    expect(epochs[2].validationLoss).toBeLessThan(firstStepLoss * 0.8);
  });

  it('keeps the tensor count flat across epochs', async () => {
    const before = tf.memory().numTensors;
    const counts = memoryOf(await train(shapes, { model, hidden: [32], epochs: 3 }));

    expect(counts).toHaveLength(3);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('--model conv --latent 128, the feature map as the code', () => {
  it('lowers the loss on MNIST', async () => {
    const events = await train(mnist, { model: 'conv', latent: 128, epochs: 3 });
    const epochs = epochsOf(events);
    const firstStepLoss = lossesOf(events)[0].loss;

    expect(epochs[2].validationLoss).toBeLessThan(epochs[0].validationLoss);
    expect(epochs[2].validationLoss).toBeLessThan(firstStepLoss * 0.8);
  });
});
