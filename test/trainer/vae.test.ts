import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../server/trainer/backend';
import { loadDataset } from '../../server/trainer/datasets';
import type { Dataset } from '../../server/trainer/datasets/types';
import { klDivergencePerPixel, reconstructionLossOfOutput } from '../../server/trainer/losses';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';
import { createTrainingStep } from '../../server/trainer/training-step';
import { epochsOf, lossesOf, train } from './fixtures';

let dataset: Dataset;

beforeAll(async () => {
  await selectBackend('wasm');
  dataset = await loadDataset({ dataset: 'shapes', shapesCount: 600, validationSplit: 0.1, seed: 3 });
});

const scalar = (tensor: tf.Tensor): number => {
  const value = tensor.dataSync()[0];
  tensor.dispose();
  return value;
};

describe('variational autoencoder', () => {
  it('reports terms that add up', async () => {
    const events = await train(dataset, { model: 'vae', hidden: [64], latent: 4, epochs: 3 });
    const epochs = epochsOf(events);
    expect(epochs).toHaveLength(3);

    for (const summary of epochs) {
      const { trainReconstructionLoss, trainKlLoss, validationReconstructionLoss, validationKlLoss } = summary;
      for (const term of [trainReconstructionLoss, trainKlLoss, validationReconstructionLoss, validationKlLoss]) {
        expect(Number.isFinite(term)).toBe(true);
      }
      expect(trainKlLoss).toBeGreaterThanOrEqual(0);
      expect(validationKlLoss).toBeGreaterThanOrEqual(0);
      expect(trainReconstructionLoss! + trainKlLoss!).toBeCloseTo(summary.trainLoss, 5);
      expect(validationReconstructionLoss! + validationKlLoss!).toBeCloseTo(summary.validationLoss, 5);
    }
    expect(epochs[2].validationLoss).toBeLessThan(lossesOf(events)[0].loss * 0.8);
  });

  it('omits terms for other models', async () => {
    const [summary] = epochsOf(await train(dataset, { model: 'dense', epochs: 1 }));
    expect(Object.keys(summary)).toEqual(['epoch', 'step', 'trainLoss', 'validationLoss', 'seconds', 'samplesPerSecond']);
  });

  it('computes KL per pixel', () => {
    const atPrior = klDivergencePerPixel(tf.zeros([3, 2]), tf.zeros([3, 2]));
    // Means 1 and 2 with unit variance: 0.5 · (1² + 2²) per image.
    const shifted = klDivergencePerPixel(tf.tensor2d([[1, 2]]), tf.zeros([1, 2]));
    // Mean 0 and variance e: 0.5 · (e - 1 - 1) per dimension.
    const wide = klDivergencePerPixel(tf.zeros([1, 1]), tf.ones([1, 1]));

    expect(scalar(atPrior)).toBe(0);
    expect(scalar(shifted)).toBeCloseTo(2.5 / 784, 7);
    expect(scalar(wide)).toBeCloseTo((0.5 * (Math.E - 2)) / 784, 7);
  });

  it('clips saturated cross-entropy', () => {
    const target = tf.tensor2d([[1, 0]]);
    const saturated = reconstructionLossOfOutput('bce', target, tf.tensor2d([[0, 1]]));
    const halfway = reconstructionLossOfOutput('bce', target, tf.tensor2d([[0.5, 0.5]]));

    // The output 0 is clipped to 1e-7 and the output 1 to 1 - 1e-7, which float32 rounds to 0.99999988.
    const expected = (-Math.log(Math.fround(1e-7)) - Math.log(1 - Math.fround(1 - 1e-7))) / 2;
    expect(scalar(saturated)).toBeCloseTo(expected, 3);
    expect(scalar(halfway)).toBeCloseTo(Math.log(2), 6);
  });

  it('keeps a NaN output in cross-entropy', () => {
    const target = tf.tensor2d([[1, 0]]);
    const loss = reconstructionLossOfOutput('bce', target, tf.tensor2d([[NaN, 0.5]]));
    expect(scalar(loss)).toBeNaN();
  });

  it('encodes to the mean', async () => {
    const model = await buildAutoencoder({ model: 'vae', hidden: [32], latent: 3, seed: 5 });
    const step = createTrainingStep(model, { model: 'vae', loss: 'bce' });
    const x = tf.randomUniform([6, 784], 0, 1, 'float32', 9) as tf.Tensor2D;

    const codes = step.encode(x);
    const [mean, logVar] = model.encoder.predict(x) as tf.Tensor[];
    const terms = step.evaluate(x, x, 11);
    const [total, reconstruction, kl] = terms.dataSync();

    expect(Array.from(codes.dataSync())).toEqual(Array.from(mean.dataSync()));
    expect(total).toBeCloseTo(reconstruction + kl, 6);
    expect(kl).toBeGreaterThan(0);
    tf.dispose([x, codes, mean, logVar, terms]);
    disposeAutoencoder(model);
  });

  it('samples by seed', async () => {
    const model = await buildAutoencoder({ model: 'vae', hidden: [32], latent: 3, seed: 5 });
    const step = createTrainingStep(model, { model: 'vae', loss: 'bce' });
    const x = tf.randomUniform([6, 784], 0, 1, 'float32', 9) as tf.Tensor2D;
    const evaluate = (seed: number) => scalar(step.evaluate(x, x, seed));

    expect(evaluate(11)).toBe(evaluate(11));
    expect(evaluate(11)).not.toBe(evaluate(12));
    x.dispose();
    disposeAutoencoder(model);
  });
});
