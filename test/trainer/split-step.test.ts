import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../server/trainer/backend';
import { batchTensor, noisyBatchValues, rangeIndices } from '../../server/trainer/batches';
import { SplitDenseStep } from '../../server/trainer/data-parallel/split-step';
import type { SplitStepOptions } from '../../server/trainer/data-parallel/split-step';
import { loadDataset } from '../../server/trainer/datasets';
import type { Dataset } from '../../server/trainer/datasets/types';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';
import type { Autoencoder } from '../../server/trainer/model';
import { createRandom } from '../../server/trainer/random';
import { denseLoss, denseStack } from '../../server/trainer/step';
import { BASE_CONFIG } from './fixtures';

const FAILING_FOLLOWER = new URL('./fixtures/failing-follower.mjs', import.meta.url);
const HANGING_FOLLOWER = new URL('./fixtures/hanging-follower.mjs', import.meta.url);

/** Float32 sums over a batch in a different order differ in the last bits; this is far above that and far below a wrong gradient. */
const TOLERANCE = 1e-5;

let dataset: Dataset;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  await selectBackend('wasm');
  dataset = await loadDataset({ dataset: 'shapes', shapesCount: 300, validationSplit: 0.1, seed: 5 });
});

afterEach(async () => {
  for (const release of cleanup.splice(0)) await release();
});

async function deepModel(): Promise<Autoencoder> {
  const model = await buildAutoencoder({ ...BASE_CONFIG, model: 'deep', hidden: [48, 24], latent: 8 });
  cleanup.push(() => disposeAutoencoder(model));
  return model;
}

async function startSplit(model: Autoencoder, changes: Partial<SplitStepOptions> = {}): Promise<{ split: SplitDenseStep; fallbacks: string[] }> {
  const fallbacks: string[] = [];
  const split = await SplitDenseStep.start({
    model,
    loss: 'bce',
    train: dataset.train,
    threads: 2,
    backend: 'wasm',
    onFallback: (reason) => fallbacks.push(reason),
    ...changes,
  });
  cleanup.push(() => split.close());
  return { split, fallbacks };
}

/** Computes the loss and gradients of the whole batch on this thread, as the one-thread step does. */
function oneThreadGradients(model: Autoencoder, indices: Uint32Array, noisyInput: Float32Array | null): { loss: number; grads: Float32Array[] } {
  const { layers, variables } = denseStack(model);
  const target = batchTensor(dataset.train, indices);
  const input = noisyInput ? tf.tensor2d(noisyInput, target.shape) : target;
  const { value, grads } = tf.variableGrads(() => denseLoss(layers, 'bce', input, target), variables);
  const result = { loss: value.dataSync()[0], grads: variables.map((variable) => grads[variable.name].dataSync() as Float32Array) };
  tf.dispose([input, target, value, ...Object.values(grads)]);
  return result;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function maxMagnitude(values: Float32Array): number {
  return values.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
}

describe('split dense step', () => {
  it('matches the one-thread gradients', async () => {
    const model = await deepModel();
    const { split } = await startSplit(model);
    // 37 rows split into shares of 19 and 18.
    const indices = rangeIndices(100, 137);

    const expected = oneThreadGradients(model, indices, null);
    const actual = await split.gradients(indices, null);
    const actualGrads = actual.grads.map((grad) => grad.dataSync() as Float32Array);
    const actualLoss = actual.loss.dataSync()[0];
    tf.dispose([actual.loss, ...actual.grads]);

    expect(actualLoss).toBeCloseTo(expected.loss, 5);
    expect(actualGrads).toHaveLength(expected.grads.length);
    expected.grads.forEach((grad, i) => {
      expect(maxMagnitude(grad), `gradient ${i} is all zeros, so the comparison proves nothing`).toBeGreaterThan(0);
      expect(maxDifference(actualGrads[i], grad), `gradient ${i}`).toBeLessThan(TOLERANCE);
    });
  });

  it('matches the one-thread gradients with noisy inputs', async () => {
    const model = await deepModel();
    const { split } = await startSplit(model);
    const indices = rangeIndices(0, 32);
    const noisy = noisyBatchValues(dataset.train, indices, 0.3, createRandom(1, 'noise:1'));

    const expected = oneThreadGradients(model, indices, noisy);
    const actual = await split.gradients(indices, noisy);
    const actualGrads = actual.grads.map((grad) => grad.dataSync() as Float32Array);
    tf.dispose([actual.loss, ...actual.grads]);

    expected.grads.forEach((grad, i) => expect(maxDifference(actualGrads[i], grad), `gradient ${i}`).toBeLessThan(TOLERANCE));
  });

  it('applies the one-thread SGD update', async () => {
    const oneThread = await deepModel();
    const twoThreads = await deepModel();
    const { split } = await startSplit(twoThreads);
    const indices = rangeIndices(0, 64);
    const sgd = [tf.train.sgd(0.5), tf.train.sgd(0.5)];
    cleanup.push(() => sgd.forEach((optimizer) => optimizer.dispose()));

    const { variables } = denseStack(oneThread);
    for (let step = 0; step < 3; step++) {
      const target = batchTensor(dataset.train, indices);
      sgd[0].minimize(() => denseLoss(denseStack(oneThread).layers, 'bce', target, target), false, variables);
      target.dispose();
      (await split.train(sgd[1], indices, null)).dispose();
    }

    const expected = variables.map((variable) => variable.dataSync() as Float32Array);
    const actual = denseStack(twoThreads).variables.map((variable) => variable.dataSync() as Float32Array);
    expected.forEach((values, i) => expect(maxDifference(actual[i], values), `weight ${i}`).toBeLessThan(TOLERANCE));
  });

  it('keeps the tensor counts flat', async () => {
    const model = await deepModel();
    const { split } = await startSplit(model);
    const optimizer = tf.train.adam(0.01);
    cleanup.push(() => optimizer.dispose());

    const counts: number[] = [];
    const followerCounts: number[] = [];
    for (let step = 0; step < 6; step++) {
      (await split.train(optimizer, rangeIndices(step * 16, step * 16 + 16), null)).dispose();
      counts.push(tf.memory().numTensors);
      followerCounts.push(split.followerTensorCounts()[0]);
    }
    // Adam creates its slots in the first step.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(new Set(followerCounts).size).toBe(1);
  });

  it('leaves a follower idle for a one-row batch', async () => {
    const model = await deepModel();
    const { split } = await startSplit(model);
    const indices = rangeIndices(7, 8);

    const expected = oneThreadGradients(model, indices, null);
    const actual = await split.gradients(indices, null);
    const actualGrads = actual.grads.map((grad) => grad.dataSync() as Float32Array);
    tf.dispose([actual.loss, ...actual.grads]);

    expected.grads.forEach((grad, i) => expect(maxDifference(actualGrads[i], grad), `gradient ${i}`).toBeLessThan(TOLERANCE));
    expect(split.active).toBe(true);
  });

  it('falls back to one thread when a follower crashes', async () => {
    const model = await deepModel();
    const { split, fallbacks } = await startSplit(model, { followerEntry: FAILING_FOLLOWER });
    const optimizer = tf.train.adam(0.01);
    cleanup.push(() => optimizer.dispose());

    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 5; step++) {
      const terms = await split.train(optimizer, rangeIndices(0, 32), null);
      losses.push(terms.dataSync()[0]);
      terms.dispose();
      counts.push(tf.memory().numTensors);
    }

    expect(fallbacks).toEqual([expect.stringContaining('simulated follower crash at its third step')]);
    expect(fallbacks[0]).toContain('training continues on one thread');
    expect(split.active).toBe(false);
    expect(split.threads).toBe(1);
    expect(losses.every(Number.isFinite)).toBe(true);
    // The same batch five times: Adam lowers its loss at every step, the crashed one included.
    expect(losses[4]).toBeLessThan(losses[0]);
    // Adam creates its slots in the first step; the crashed step leaves no tensor behind.
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('falls back to one thread when a follower hangs', async () => {
    const model = await deepModel();
    const { split, fallbacks } = await startSplit(model, { followerEntry: HANGING_FOLLOWER, stepTimeoutMs: 200 });
    const indices = rangeIndices(0, 32);

    const expected = oneThreadGradients(model, indices, null);
    const actual = await split.gradients(indices, null);
    const actualGrads = actual.grads.map((grad) => grad.dataSync() as Float32Array);
    tf.dispose([actual.loss, ...actual.grads]);

    expect(fallbacks).toEqual(['the follower threads did not finish step 1 within 200 ms after the training worker finished its share; training continues on one thread']);
    expect(split.active).toBe(false);
    expected.grads.forEach((grad, i) => expect(maxDifference(actualGrads[i], grad), `gradient ${i}`).toBeLessThan(TOLERANCE));
  });

  it('rejects fewer than two threads', async () => {
    const model = await deepModel();
    await expect(startSplit(model, { threads: 1 })).rejects.toThrow('a split step needs 2 or more threads, not 1');
  });
});
