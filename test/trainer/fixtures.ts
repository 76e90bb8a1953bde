// Shared setup of the trainer tests: a small run configuration, dataset
// subsets, and a runner that trains a whole loop and records its events.

import type { EpochSummary, RunConfig, StepLoss, TrainingState } from '../../shared/training';
import { IMAGE_PIXELS } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import type { Dataset } from '../../server/trainer/datasets/types';
import { TrainingLoop } from '../../server/trainer/loop';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';

export const BASE_CONFIG: RunConfig = {
  dataset: 'shapes',
  shapesCount: 600,
  model: 'dense',
  hidden: [64],
  latent: 8,
  loss: 'bce',
  optimizer: 'adam',
  learningRate: 0.005,
  epsilon: 1e-7,
  batchSize: 32,
  epochs: 4,
  validationSplit: 0.1,
  seed: 3,
  backend: 'wasm',
  denoise: 0,
  modelFile: null,
};

/** Builds the model, runs a whole loop on `dataset` and returns every event it emitted. `trainThreads` is the loop's option. */
export async function train(dataset: Dataset, overrides: Partial<RunConfig>, trainThreads = 1): Promise<WorkerEvent[]> {
  const config = { ...BASE_CONFIG, ...overrides };
  const model = await buildAutoencoder(config);
  const events: WorkerEvent[] = [];
  const loop = new TrainingLoop({
    config,
    dataset,
    model,
    reconstructionEvery: 1000,
    runStartedAt: Date.now(),
    trainThreads,
    emit: (event) => {
      events.push(event);
      // A diverged loop waits for the host; this test host stops it instead.
      if (event.type === 'state' && event.state === 'diverged') loop.stop();
    },
  });
  await loop.run();
  await loop.close();
  disposeAutoencoder(model);
  return events;
}

/** Keeps the first images of each split, so that slow models train on a few in tests. */
export function subset(dataset: Dataset, trainCount: number, validationCount: number): Dataset {
  const cut = (split: Dataset['train'], count: number) => ({
    images: split.images.slice(0, count * IMAGE_PIXELS),
    labels: split.labels.slice(0, count),
    count,
  });
  return {
    info: { ...dataset.info, trainCount, validationCount },
    train: cut(dataset.train, trainCount),
    validation: cut(dataset.validation, validationCount),
  };
}

export const epochsOf = (events: WorkerEvent[]): EpochSummary[] => events.flatMap((event) => (event.type === 'epoch' ? [event.summary] : []));
export const statesOf = (events: WorkerEvent[]): TrainingState[] => events.flatMap((event) => (event.type === 'state' ? [event.state] : []));
export const lossesOf = (events: WorkerEvent[]): StepLoss[] => events.flatMap((event) => (event.type === 'steps' ? event.points : []));
export const memoryOf = (events: WorkerEvent[]): number[] => events.flatMap((event) => (event.type === 'memory' ? [event.numTensors] : []));
