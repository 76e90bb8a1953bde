// The training loop: epochs of shuffled batches, step losses read back in
// small groups, validation and reconstructions, pause and resume, and
// divergence detection. It runs on whatever thread creates it; the worker
// thread is one such place and tests are another.

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../../shared/training';
import type { RunConfig, StepLoss, TrainingState } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import type { Dataset, ImageSplit } from './datasets/types';
import type { Autoencoder } from './model';
import { createRandom } from './random';
import type { Random } from './random';
import { modelSnapshot } from './snapshot';
import { createOptimizer, denseStack, forwardLayers, forwardLogits, reconstructionLoss, trainStep } from './step';
import type { DenseStack } from './step';

export interface LoopOptions {
  config: RunConfig;
  dataset: Dataset;
  model: Autoencoder;
  /** Steps between two reconstruction refreshes; one also follows every epoch. */
  reconstructionEvery: number;
  /** Wall-clock start of the run, in ms since the Unix epoch; step times count from it. */
  runStartedAt: number;
  emit: (event: WorkerEvent) => void;
}

/** Steps whose losses are read back from the backend in one transfer. */
const STEPS_PER_READ = 10;

/** Images per forward pass when computing the validation loss. */
const VALIDATION_BATCH = 1000;

/** Validation images shown next to their reconstructions, unless the dataset has more labels (MNIST's 10 digits). */
const PROBE_COUNT = 8;

/** Most probe images, so that the grid stays readable on stream. */
const MAX_PROBE_COUNT = 16;

/** Most validation images whose latent codes make up the latent map. */
const LATENT_MAP_POINTS = 1000;

export class TrainingLoop {
  private readonly stack: DenseStack;
  private readonly optimizer: tf.Optimizer;
  private readonly random: Random;
  private readonly probes: Uint32Array;
  private state: TrainingState = 'starting';
  private step = 0;
  private epoch = 0;
  private stopRequested = false;
  /** Milliseconds spent paused or diverged in the current epoch, left out of its throughput. */
  private heldMs = 0;
  private resumeWaiter: (() => void) | null = null;

  constructor(private readonly options: LoopOptions) {
    this.stack = denseStack(options.model);
    this.optimizer = createOptimizer(options.config.optimizer, options.config.learningRate);
    this.random = createRandom(options.config.seed);
    const labelCount = options.dataset.info.labelNames.length;
    this.probes = chooseProbes(options.dataset.validation, Math.min(MAX_PROBE_COUNT, Math.max(PROBE_COUNT, labelCount)));
  }

  /** Trains until the last epoch or a stop, then leaves the model loaded. */
  async run(): Promise<void> {
    this.setState('training', null);
    this.options.emit({ type: 'probes', labels: Uint8Array.from(this.probes, (index) => this.options.dataset.validation.labels[index]) });
    this.emitSnapshots();
    this.emitLatentMap();

    while (this.epoch < this.options.config.epochs && !this.stopRequested) {
      await this.runEpoch();
    }

    if (!this.stopRequested) this.setState('finished', `all ${this.options.config.epochs} epochs done`);
  }

  /** Pauses before the next step; the current group of steps finishes first. */
  pause(): void {
    if (this.state === 'training') this.setState('paused', 'paused by the host');
  }

  resume(): void {
    if (this.state !== 'paused' && this.state !== 'diverged') return;
    this.setState('training', null);
    this.wake();
  }

  /** Ends the loop after the current step and releases the optimizer's tensors. */
  stop(): void {
    this.stopRequested = true;
    this.wake();
  }

  /** Releases the optimizer's slots; the model belongs to the caller. */
  dispose(): void {
    this.optimizer.dispose();
  }

  private async runEpoch(): Promise<void> {
    const { config, dataset } = this.options;
    const order = shuffledIndices(dataset.train.count, this.random);
    const started = performance.now();
    this.heldMs = 0;
    const pending: tf.Scalar[] = [];
    let lossSum = 0;
    let lossCount = 0;

    for (let start = 0; start < order.length && !this.stopRequested; start += config.batchSize) {
      const batchIndices = order.subarray(start, start + config.batchSize);
      const x = batchTensor(dataset.train, batchIndices);
      pending.push(trainStep(this.stack, this.optimizer, config.loss, x));
      x.dispose();
      this.step++;

      const endOfEpoch = start + config.batchSize >= order.length;
      if (pending.length < STEPS_PER_READ && !endOfEpoch && this.step % this.options.reconstructionEvery !== 0) continue;

      const points = await this.readLosses(pending);
      for (const point of points) lossSum += point.loss;
      lossCount += points.length;

      if (this.state === 'diverged') {
        await this.waitWhileHeld();
        continue;
      }
      if (this.step % this.options.reconstructionEvery === 0) this.emitSnapshots();

      await yieldToEventLoop();
      await this.waitWhileHeld();
    }

    if (this.stopRequested) {
      pending.forEach((scalar) => scalar.dispose());
      return;
    }
    this.epoch++;
    this.finishEpoch(started, lossCount > 0 ? lossSum / lossCount : NaN, order.length);
  }

  /** Reads the pending step losses in one transfer, stopping at the first that is not finite. */
  private async readLosses(pending: tf.Scalar[]): Promise<StepLoss[]> {
    const stacked = tf.stack(pending);
    const values = await stacked.data();
    stacked.dispose();
    pending.forEach((scalar) => scalar.dispose());

    const firstStep = this.step - pending.length + 1;
    const elapsedMs = Date.now() - this.options.runStartedAt;
    pending.length = 0;
    const points: StepLoss[] = [];
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        this.diverge(firstStep + i, values[i]);
        break;
      }
      points.push({ step: firstStep + i, loss: values[i], elapsedMs });
    }

    if (points.length > 0) this.options.emit({ type: 'steps', epoch: this.epoch + 1, points });
    return points;
  }

  private diverge(step: number, value: number): void {
    const reason =
      `the training loss became ${value} at step ${step} (epoch ${this.epoch + 1}); ` +
      'training is paused. Restart with a lower --lr.';
    this.setState('diverged', reason);
  }

  private finishEpoch(started: number, trainLoss: number, samples: number): void {
    const seconds = (performance.now() - started - this.heldMs) / 1000;
    const validationLoss = this.validationLoss();
    this.options.emit({
      type: 'epoch',
      summary: {
        epoch: this.epoch,
        step: this.step,
        trainLoss,
        validationLoss,
        seconds,
        samplesPerSecond: samples / seconds,
      },
    });
    this.emitSnapshots();
    this.emitLatentMap();
    this.options.emit({ type: 'memory', numTensors: tf.memory().numTensors, step: this.step });
  }

  /** Mean per-pixel loss over the whole validation split. */
  private validationLoss(): number {
    const { validation } = this.options.dataset;
    const total = tf.tidy(() => {
      let sum: tf.Scalar = tf.scalar(0);
      for (let start = 0; start < validation.count; start += VALIDATION_BATCH) {
        const indices = rangeIndices(start, Math.min(start + VALIDATION_BATCH, validation.count));
        const x = batchTensor(validation, indices);
        const loss = reconstructionLoss(this.options.config.loss, x, forwardLogits(this.stack, x));
        sum = sum.add(loss.mul(indices.length));
      }
      return sum.div(validation.count);
    });
    const value = total.dataSync()[0];
    total.dispose();
    return value;
  }

  /** Emits the probes' reconstructions and the encoder's and decoder's weights at the current step. */
  private emitSnapshots(): void {
    this.emitReconstructions();
    const { encoder, decoder } = this.options.model;
    this.options.emit({ type: 'weights', encoder: modelSnapshot(encoder, this.step), decoder: modelSnapshot(decoder, this.step) });
  }

  /** Encodes the first validation images and emits their codes with per-dimension statistics. */
  private emitLatentMap(): void {
    const { validation } = this.options.dataset;
    const count = Math.min(LATENT_MAP_POINTS, validation.count);
    const indices = rangeIndices(0, count);
    const codesTensor = tf.tidy(() => forwardLayers(this.stack, this.options.model.encoder.layers.length, batchTensor(validation, indices)));
    const codes = new Float32Array(codesTensor.dataSync());
    codesTensor.dispose();

    this.options.emit({
      type: 'latent',
      map: { epoch: this.epoch, step: this.step, ...codeStatistics(codes, count, this.options.config.latent), labels: validation.labels.slice(0, count) },
    });
  }

  private emitReconstructions(): void {
    const { validation } = this.options.dataset;
    const inputs = gatherImages(validation, this.probes);
    const pixels = tf.tidy(() => {
      const x = batchTensor(validation, this.probes);
      return tf.sigmoid(forwardLogits(this.stack, x)).mul(255).round().toInt();
    });
    const outputs = Uint8Array.from(pixels.dataSync());
    pixels.dispose();

    this.options.emit({
      type: 'reconstructions',
      set: { epoch: this.epoch, step: this.step, count: this.probes.length, inputs, outputs },
    });
  }

  private setState(state: TrainingState, reason: string | null): void {
    this.state = state;
    this.options.emit({ type: 'state', state, reason });
  }

  /** Waits while the state is paused or diverged, until resume or stop. */
  private async waitWhileHeld(): Promise<void> {
    const started = performance.now();
    while ((this.state === 'paused' || this.state === 'diverged') && !this.stopRequested) {
      await new Promise<void>((resolve) => (this.resumeWaiter = resolve));
    }
    this.heldMs += performance.now() - started;
  }

  private wake(): void {
    const waiter = this.resumeWaiter;
    this.resumeWaiter = null;
    waiter?.();
  }
}

/** Picks one validation image per label first, so that every class shows up, then fills up in order. */
export function chooseProbes(split: ImageSplit, count: number): Uint32Array {
  const wanted = Math.min(count, split.count);
  const chosen: number[] = [];
  const seenLabels = new Set<number>();
  for (let i = 0; i < split.count && chosen.length < wanted; i++) {
    if (seenLabels.has(split.labels[i])) continue;
    seenLabels.add(split.labels[i]);
    chosen.push(i);
  }
  for (let i = 0; i < split.count && chosen.length < wanted; i++) {
    if (!chosen.includes(i)) chosen.push(i);
  }
  return Uint32Array.from(chosen);
}

/** Returns the codes with the minimum, maximum, mean and standard deviation of each dimension. */
function codeStatistics(codes: Float32Array, count: number, dims: number) {
  const min = new Float32Array(dims).fill(Infinity);
  const max = new Float32Array(dims).fill(-Infinity);
  const sum = new Float64Array(dims);
  const sumOfSquares = new Float64Array(dims);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dims; d++) {
      const value = codes[i * dims + d];
      min[d] = Math.min(min[d], value);
      max[d] = Math.max(max[d], value);
      sum[d] += value;
      sumOfSquares[d] += value * value;
    }
  }
  const mean = Float32Array.from(sum, (total) => total / count);
  const std = Float32Array.from(sumOfSquares, (total, d) => Math.sqrt(Math.max(0, total / count - mean[d] * mean[d])));
  return { dims, count, codes, min, max, mean, std };
}

/** Copies the images at `indices` into a float batch scaled to [0, 1]. */
function batchTensor(split: ImageSplit, indices: Uint32Array): tf.Tensor2D {
  const values = new Float32Array(indices.length * IMAGE_PIXELS);
  indices.forEach((imageIndex, row) => {
    const offset = imageIndex * IMAGE_PIXELS;
    for (let p = 0; p < IMAGE_PIXELS; p++) values[row * IMAGE_PIXELS + p] = split.images[offset + p] / 255;
  });
  return tf.tensor2d(values, [indices.length, IMAGE_PIXELS]);
}

function gatherImages(split: ImageSplit, indices: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(indices.length * IMAGE_PIXELS);
  indices.forEach((imageIndex, row) => {
    bytes.set(split.images.subarray(imageIndex * IMAGE_PIXELS, (imageIndex + 1) * IMAGE_PIXELS), row * IMAGE_PIXELS);
  });
  return bytes;
}

function shuffledIndices(count: number, random: Random): Uint32Array {
  const order = rangeIndices(0, count);
  random.shuffle(order);
  return order;
}

function rangeIndices(start: number, end: number): Uint32Array {
  const indices = new Uint32Array(end - start);
  for (let i = 0; i < indices.length; i++) indices[i] = start + i;
  return indices;
}

/** Lets the thread handle queued messages, such as a pause, between steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
