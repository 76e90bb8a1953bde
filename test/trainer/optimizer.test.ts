import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_EPSILON } from '../../shared/training';
import type { OptimizerKind } from '../../shared/training';
import { selectBackend } from '../../server/trainer/backend';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';
import { createOptimizer, learningRateOf, setLearningRate } from '../../server/trainer/optimizer';
import { createTrainingStep } from '../../server/trainer/training-step';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Trains a fresh seeded model for `steps` steps with `optimizer` and returns its decoder weights. */
async function trainedWeights(optimizer: tf.Optimizer, steps: number, beforeStep: (step: number) => void = () => {}): Promise<number[]> {
  const model = await buildAutoencoder({ model: 'dense', hidden: [], latent: 4, seed: 2 });
  const step = createTrainingStep(model, { model: 'dense', loss: 'bce' });
  const x = tf.randomUniform([16, 784], 0, 1, 'float32', 4) as tf.Tensor2D;
  for (let i = 0; i < steps; i++) {
    beforeStep(i);
    step.train(optimizer, x, x, 1).dispose();
  }
  const weights = Array.from(model.decoder.getWeights()[0].dataSync());
  x.dispose();
  disposeAutoencoder(model);
  optimizer.dispose();
  return weights;
}

const maxDifference = (a: number[], b: number[]) => Math.max(...a.map((value, i) => Math.abs(value - b[i])));

/** Returns a scalar weight after one Adadelta step per gradient in `gradients`, from 0. */
function adadeltaSteps(gradients: number[], epsilon: number): number {
  const weight = tf.variable(tf.scalar(0));
  const optimizer = createOptimizer('adadelta', 1, epsilon);
  for (const gradient of gradients) optimizer.minimize(() => tf.mul(weight, gradient) as tf.Scalar, false, [weight]);
  const value = weight.dataSync()[0];
  weight.dispose();
  optimizer.dispose();
  return value;
}

/** Computes the same steps in float64 as Keras writes them, dividing each update by the mean square that includes its gradient. */
function kerasAdadelta(gradients: number[], epsilon: number, rho = 0.95): number {
  let weight = 0;
  let meanSquare = 0;
  let meanUpdate = 0;
  for (const gradient of gradients) {
    meanSquare = rho * meanSquare + (1 - rho) * gradient ** 2;
    const update = (gradient * Math.sqrt(meanUpdate + epsilon)) / Math.sqrt(meanSquare + epsilon);
    meanUpdate = rho * meanUpdate + (1 - rho) * update ** 2;
    weight -= update;
  }
  return weight;
}

describe('adadelta', () => {
  it.each([1e-6, 1e-7])('steps as Keras does with epsilon %s', (epsilon) => {
    const gradients = [1, -2, 0.5, 3, -0.25];
    expect(adadeltaSteps(gradients, epsilon)).toBeCloseTo(kerasAdadelta(gradients, epsilon), 6);
  });

  it('starts with small steps, unlike SGD at the same rate', () => {
    // TensorFlow.js's own Adadelta steps exactly like SGD: three steps of gradient 1 at rate 1 would end at -3.
    expect(adadeltaSteps([1, 1, 1], 1e-7)).toBeGreaterThan(-0.01);
  });
});

describe('adam', () => {
  it('takes --epsilon', () => {
    const optimizer = createOptimizer('adam', 0.001, 1e-4);
    expect((optimizer.getConfig() as { epsilon: number }).epsilon).toBe(1e-4);
    optimizer.dispose();
  });
});

describe('learning rate changes', () => {
  it.each<[OptimizerKind, number, number]>([
    ['adam', 0.001, 0.01],
    ['adadelta', 1, 3],
    ['sgd', 0.1, 0.5],
  ])('makes %s step like one created at the new rate', async (kind, initial, changed) => {
    const reference = await trainedWeights(createOptimizer(kind, changed, DEFAULT_EPSILON), 3);
    const optimizer = createOptimizer(kind, initial, DEFAULT_EPSILON);
    setLearningRate(optimizer, changed);
    const adjusted = await trainedWeights(optimizer, 3);
    const untouched = await trainedWeights(createOptimizer(kind, initial, DEFAULT_EPSILON), 3);

    expect(maxDifference(adjusted, reference)).toBeLessThan(1e-6);
    expect(maxDifference(untouched, reference)).toBeGreaterThan(1e-4);
  });

  it('applies a change from the next step on', async () => {
    const optimizer = createOptimizer('sgd', 0.1, DEFAULT_EPSILON);
    const changedLater = await trainedWeights(optimizer, 2, (step) => {
      if (step === 1) setLearningRate(optimizer, 0.5);
    });
    const changedFirst = await trainedWeights(createOptimizer('sgd', 0.5, DEFAULT_EPSILON), 2);
    const neverChanged = await trainedWeights(createOptimizer('sgd', 0.1, DEFAULT_EPSILON), 2);

    expect(maxDifference(changedLater, changedFirst)).toBeGreaterThan(1e-5);
    expect(maxDifference(changedLater, neverChanged)).toBeGreaterThan(1e-5);
  });

  it.each([0, -0.1, NaN, Infinity])('rejects the learning rate %s and keeps the old one', (value) => {
    const optimizer = createOptimizer('adam', 0.002, DEFAULT_EPSILON);
    expect(() => setLearningRate(optimizer, value)).toThrow(RangeError);
    expect(() => setLearningRate(optimizer, value)).toThrow(`learning rate ${value} is invalid; use a finite number above 0, such as 0.001.`);
    expect(learningRateOf(optimizer)).toBe(0.002);
    optimizer.dispose();
  });
});
