// Checkpoints built in the test process with real TensorFlow.js models, for
// tests of the file format, the store and the exports that need no worker.

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../../shared/training';
import type { ModelTopology, RunConfig, WeightTensor } from '../../shared/training';
import type { Checkpoint } from '../../server/checkpoints/checkpoint';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';

/** A run small enough to build and train in milliseconds. */
export const TINY_RUN: RunConfig = {
  dataset: 'shapes',
  shapesCount: 400,
  model: 'dense',
  hidden: [],
  latent: 4,
  loss: 'bce',
  optimizer: 'adam',
  learningRate: 0.01,
  epsilon: 1e-7,
  batchSize: 32,
  epochs: 3,
  validationSplit: 0.1,
  seed: 7,
  backend: 'cpu',
  denoise: 0,
  modelFile: null,
};

/** Copies every weight of `model` off the backend, in `model.weights` order. */
export function modelWeights(model: tf.LayersModel): WeightTensor[] {
  return model.weights.map((weight) => ({ name: weight.originalName, shape: [...weight.shape] as number[], values: Float32Array.from(weight.read().dataSync()) }));
}

/**
 * Builds the run's autoencoder, trains it for two Adam steps on random
 * images so that the optimizer has slots, and returns a checkpoint of it with
 * a short made-up history. The models are disposed before it returns.
 */
export async function trainedCheckpoint(config: RunConfig = TINY_RUN): Promise<Checkpoint> {
  const model = await buildAutoencoder(config);
  const optimizer = tf.train.adam(config.learningRate);
  const images = tf.randomUniform([8, IMAGE_PIXELS], 0, 1, 'float32', 1);
  for (let step = 0; step < 2; step++) {
    optimizer.minimize(() => tf.losses.meanSquaredError(images, model.decoder.apply(model.encoder.apply(images)) as tf.Tensor) as tf.Scalar);
  }

  const optimizerWeights: WeightTensor[] = [];
  for (const { name, tensor } of await optimizer.getWeights()) {
    optimizerWeights.push({ name, shape: [...tensor.shape], values: Float32Array.from(await tensor.data()) });
  }
  const checkpoint: Checkpoint = {
    savedAt: Date.now(),
    runId: 'test-run',
    elapsedMs: 1500,
    config,
    modelFileSha256: null,
    state: { epoch: 1, step: 2, encoder: modelWeights(model.encoder), decoder: modelWeights(model.decoder), optimizer: optimizerWeights },
    topology: { encoder: model.encoder.toJSON(null, false) as ModelTopology, decoder: model.decoder.toJSON(null, false) as ModelTopology },
    history: {
      losses: { steps: Uint32Array.of(1, 2), losses: Float32Array.of(0.7, 0.65), elapsedMs: Uint32Array.of(700, 1400) },
      epochs: [{ epoch: 1, step: 2, trainLoss: 0.675, validationLoss: 0.66, seconds: 1.4, samplesPerSecond: 11.4 }],
      probes: { count: 2, images: new Uint8Array(2 * IMAGE_PIXELS).fill(200), labels: Uint8Array.of(0, 1) },
      reconstructions: { epoch: 1, step: 2, count: 2, outputs: new Uint8Array(2 * IMAGE_PIXELS).fill(90) },
    },
  };

  images.dispose();
  optimizer.dispose();
  disposeAutoencoder(model);
  return checkpoint;
}
