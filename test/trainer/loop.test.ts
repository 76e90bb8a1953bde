import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import type { RunConfig } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import { selectBackend } from '../../server/trainer/backend';
import { loadDataset } from '../../server/trainer/datasets';
import type { Dataset } from '../../server/trainer/datasets/types';
import { TrainingLoop } from '../../server/trainer/loop';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';

const baseConfig: RunConfig = {
  dataset: 'shapes',
  shapesCount: 600,
  model: 'dense',
  hidden: [64],
  latent: 8,
  loss: 'bce',
  optimizer: 'adam',
  learningRate: 0.005,
  batchSize: 32,
  epochs: 4,
  validationSplit: 0.1,
  seed: 3,
  backend: 'wasm',
  denoise: 0,
  modelFile: null,
};

let dataset: Dataset;

beforeAll(async () => {
  await selectBackend('wasm');
  dataset = await loadDataset({ dataset: 'shapes', shapesCount: 600, validationSplit: 0.1, seed: 3 });
});

/** Runs a whole loop and returns every event it emitted. */
async function train(overrides: Partial<RunConfig>): Promise<WorkerEvent[]> {
  const config = { ...baseConfig, ...overrides };
  const model = buildAutoencoder(config);
  const events: WorkerEvent[] = [];
  const loop = new TrainingLoop({
    config,
    dataset,
    model,
    reconstructionEvery: 1000,
    runStartedAt: Date.now(),
    emit: (event) => {
      events.push(event);
      // A diverged loop waits for the host; this test host stops it instead.
      if (event.type === 'state' && event.state === 'diverged') loop.stop();
    },
  });
  await loop.run();
  loop.dispose();
  disposeAutoencoder(model);
  return events;
}

const epochsOf = (events: WorkerEvent[]) => events.flatMap((event) => (event.type === 'epoch' ? [event.summary] : []));
const statesOf = (events: WorkerEvent[]) => events.flatMap((event) => (event.type === 'state' ? [event.state] : []));
const lossesOf = (events: WorkerEvent[]) => events.flatMap((event) => (event.type === 'steps' ? event.points : []));

describe('training loop', () => {
  it('lowers the validation loss over a short run on shapes', async () => {
    const epochs = epochsOf(await train({ model: 'dense' }));
    expect(epochs).toHaveLength(4);
    expect(epochs[3].validationLoss).toBeLessThan(epochs[0].validationLoss * 0.9);
  });

  it('reports every step once, in order, and ends in the finished state', async () => {
    const events = await train({ epochs: 2 });
    const steps = lossesOf(events).map((point) => point.step);
    const stepsPerEpoch = Math.ceil(dataset.train.count / baseConfig.batchSize);
    expect(steps).toEqual(Array.from({ length: 2 * stepsPerEpoch }, (_, i) => i + 1));
    expect(statesOf(events)).toEqual(['training', 'finished']);
  });

  it('keeps the tensor count flat across epochs', async () => {
    const before = tf.memory().numTensors;
    const events = await train({ model: 'deep', hidden: [32, 16], epochs: 5 });
    const counts = events.flatMap((event) => (event.type === 'memory' ? [event.numTensors] : []));
    expect(counts).toHaveLength(5);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('diverges on a non-finite loss', async () => {
    const events = await train({ optimizer: 'sgd', learningRate: 1e30, loss: 'mse' });
    expect(statesOf(events)).toContain('diverged');
    expect(lossesOf(events).every((point) => Number.isFinite(point.loss))).toBe(true);
    const diverged = events.find((event) => event.type === 'state' && event.state === 'diverged');
    expect(diverged).toMatchObject({ reason: expect.stringMatching(/became (NaN|Infinity|-Infinity) at step \d+.*lower --lr/) });
  });
});
