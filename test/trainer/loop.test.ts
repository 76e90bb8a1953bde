import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { selectBackend } from '../../server/trainer/backend';
import { loadDataset } from '../../server/trainer/datasets';
import type { Dataset } from '../../server/trainer/datasets/types';
import { TrainingLoop } from '../../server/trainer/loop';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';
import { FusedDenseStep } from '../../server/trainer/step';
import type { WorkerEvent } from '../../shared/worker-messages';
import { BASE_CONFIG, epochsOf, lossesOf, memoryOf, statesOf, train } from './fixtures';

let dataset: Dataset;

beforeAll(async () => {
  await selectBackend('wasm');
  dataset = await loadDataset({ dataset: 'shapes', shapesCount: 600, validationSplit: 0.1, seed: 3 });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('training loop', () => {
  it('lowers the validation loss over a short run on shapes', async () => {
    const epochs = epochsOf(await train(dataset, { model: 'dense' }));
    expect(epochs).toHaveLength(4);
    expect(epochs[3].validationLoss).toBeLessThan(epochs[0].validationLoss * 0.9);
  });

  it('reports every step once, in order, and ends in the finished state', async () => {
    const events = await train(dataset, { epochs: 2 });
    const steps = lossesOf(events).map((point) => point.step);
    const stepsPerEpoch = Math.ceil(dataset.train.count / BASE_CONFIG.batchSize);
    expect(steps).toEqual(Array.from({ length: 2 * stepsPerEpoch }, (_, i) => i + 1));
    expect(statesOf(events)).toEqual(['training', 'finished']);
  });

  it('keeps the tensor count flat across epochs', async () => {
    const before = tf.memory().numTensors;
    const events = await train(dataset, { model: 'deep', hidden: [32, 16], epochs: 5 });
    const counts = memoryOf(events);
    expect(counts).toHaveLength(5);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('diverges on a non-finite loss', async () => {
    const events = await train(dataset, { optimizer: 'sgd', learningRate: 1e30, loss: 'mse' });
    expect(statesOf(events)).toContain('diverged');
    expect(lossesOf(events).every((point) => Number.isFinite(point.loss))).toBe(true);
    const diverged = events.find((event) => event.type === 'state' && event.state === 'diverged');
    expect(diverged).toMatchObject({ reason: expect.stringMatching(/became (NaN|Infinity|-Infinity) at step \d+.*lower --lr/) });
  });

  it('pauses during validation before the next step', async () => {
    const model = await buildAutoencoder(BASE_CONFIG);
    const events: WorkerEvent[] = [];
    const loop = new TrainingLoop({ config: { ...BASE_CONFIG, epochs: 2 }, dataset, model, reconstructionEvery: 1000, runStartedAt: Date.now(), emit: (event) => events.push(event) });
    const { evaluate } = FusedDenseStep.prototype;
    let paused = false;
    vi.spyOn(FusedDenseStep.prototype, 'evaluate').mockImplementation(function (this: FusedDenseStep, input, target) {
      if (!paused) {
        paused = true;
        loop.pause();
        setTimeout(() => loop.resume(), 200);
      }
      return evaluate.call(this, input, target);
    });

    await loop.run();
    await loop.close();
    disposeAutoencoder(model);

    const pausedAt = events.findIndex((event) => event.type === 'state' && event.state === 'paused');
    const resumedAt = events.findIndex((event, i) => i > pausedAt && event.type === 'state' && event.state === 'training');
    const stepsWhilePaused = events.slice(pausedAt, resumedAt).filter((event) => event.type === 'steps');
    expect(pausedAt).toBeGreaterThan(-1);
    expect(resumedAt).toBeGreaterThan(pausedAt);
    expect(stepsWhilePaused).toEqual([]);
    expect(statesOf(events).at(-1)).toBe('finished');
  });

  it('emits reconstructions and latent maps', async () => {
    for (const model of ['dense', 'conv', 'vae'] as const) {
      const events = await train(dataset, { model, epochs: 1 });
      const reconstructions = events.flatMap((event) => (event.type === 'reconstructions' ? [event.set] : []));
      const maps = events.flatMap((event) => (event.type === 'latent' ? [event.map] : []));

      expect(reconstructions.length, model).toBeGreaterThanOrEqual(2);
      expect(reconstructions.at(-1)!.outputs.length, model).toBe(reconstructions.at(-1)!.count * 784);
      expect(maps.at(-1)!.dims, model).toBe(BASE_CONFIG.latent);
      expect(maps.at(-1)!.count, model).toBe(dataset.validation.count);
      expect(Array.from(maps.at(-1)!.codes).every(Number.isFinite), model).toBe(true);
    }
  });
});
