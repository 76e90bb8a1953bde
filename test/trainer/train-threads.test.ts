import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import type { WorkerEvent } from '../../shared/worker-messages';
import { selectBackend } from '../../server/trainer/backend';
import { loadDataset } from '../../server/trainer/datasets';
import type { Dataset } from '../../server/trainer/datasets/types';
import { TrainingLoop } from '../../server/trainer/loop';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';
import { waitFor } from '../helpers/host';
import { BASE_CONFIG, epochsOf, lossesOf, memoryOf, statesOf, subset, train } from './fixtures';

let dataset: Dataset;

beforeAll(async () => {
  await selectBackend('wasm');
  dataset = await loadDataset({ dataset: 'shapes', shapesCount: 600, validationSplit: 0.1, seed: 3 });
});

const threadsOf = (events: WorkerEvent[]) => events.flatMap((event) => (event.type === 'threads' ? [event] : []));
const followerTensorsOf = (events: WorkerEvent[]) => events.flatMap((event) => (event.type === 'memory' ? [event.followerTensors] : []));

/** Worker threads that this thread started and that still run, from Node's diagnostic report. */
function runningWorkers(): number {
  return (process.report.getReport() as { workers: unknown[] }).workers.length;
}

describe('training on two threads', () => {
  it('lowers the validation loss over a short run', async () => {
    const events = await train(dataset, { model: 'dense' }, 2);

    expect(threadsOf(events)).toEqual([{ type: 'threads', count: 2, requested: 2, reason: expect.stringContaining('2 shares') }]);
    const epochs = epochsOf(events);
    expect(epochs).toHaveLength(4);
    expect(epochs[3].validationLoss).toBeLessThan(epochs[0].validationLoss * 0.9);
    expect(statesOf(events)).toEqual(['training', 'finished']);
  });

  it('reports every step once, in order', async () => {
    const events = await train(dataset, { epochs: 2 }, 2);
    const steps = lossesOf(events).map((point) => point.step);
    const stepsPerEpoch = Math.ceil(dataset.train.count / BASE_CONFIG.batchSize);
    expect(steps).toEqual(Array.from({ length: 2 * stepsPerEpoch }, (_, i) => i + 1));
  });

  it('keeps the tensor counts flat across epochs', async () => {
    const before = tf.memory().numTensors;
    const events = await train(dataset, { model: 'deep', hidden: [32, 16], epochs: 5, denoise: 0.2 }, 2);

    const counts = memoryOf(events);
    expect(counts).toHaveLength(5);
    expect(new Set(counts.slice(1)).size).toBe(1);
    const followerCounts = followerTensorsOf(events);
    expect(followerCounts.every((perFollower) => perFollower?.length === 1)).toBe(true);
    expect(new Set(followerCounts.map((perFollower) => perFollower?.[0])).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ends the followers when the run finishes', async () => {
    const before = runningWorkers();
    const config = { ...BASE_CONFIG, epochs: 1 };
    const model = await buildAutoencoder(config);
    const events: WorkerEvent[] = [];
    const emit = (event: WorkerEvent) => {
      events.push(event);
      // Pausing at the first losses keeps the run from finishing, so that its follower still runs when counted.
      if (event.type === 'steps' && lossesOf(events).length === event.points.length) loop.pause();
    };
    const loop = new TrainingLoop({ config, dataset, model, reconstructionEvery: 1000, runStartedAt: Date.now(), trainThreads: 2, emit });

    const running = loop.run();
    await waitFor('the run to pause', () => statesOf(events).includes('paused'));
    expect(runningWorkers()).toBe(before + 1);
    loop.resume();
    await running;
    expect(runningWorkers()).toBe(before);
    await loop.close();
    disposeAutoencoder(model);
  });

  it('ends the followers of a run stopped mid-epoch', async () => {
    const before = runningWorkers();
    const config = { ...BASE_CONFIG, epochs: 1000 };
    const model = await buildAutoencoder(config);
    const events: WorkerEvent[] = [];
    const loop = new TrainingLoop({ config, dataset, model, reconstructionEvery: 1000, runStartedAt: Date.now(), trainThreads: 2, emit: (event) => events.push(event) });

    const running = loop.run();
    await waitFor('a few steps on two threads', () => lossesOf(events).length >= 20);
    loop.stop();
    await running;
    await loop.close();
    disposeAutoencoder(model);
    expect(runningWorkers()).toBe(before);
  });

  it('trains a VAE on one thread and says why', async () => {
    const before = runningWorkers();
    const events = await train(subset(dataset, 64, 32), { model: 'vae', hidden: [32], epochs: 1 }, 2);

    expect(threadsOf(events)).toEqual([
      { type: 'threads', count: 1, requested: 2, reason: '--model vae trains on one thread; only the dense and deep models split their batches across threads' },
    ]);
    expect(epochsOf(events)).toHaveLength(1);
    expect(runningWorkers()).toBe(before);
  });

  it('sends no threads event on one thread', async () => {
    const events = await train(dataset, { epochs: 1 });
    expect(threadsOf(events)).toEqual([]);
  });
});
