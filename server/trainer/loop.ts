// The training loop: epochs of shuffled batches, step losses read back in
// small groups, validation and reconstructions, pause and resume, live
// learning-rate changes, checkpoints between steps, and divergence detection.
// It runs on whatever thread creates it; the worker thread is one such place
// and tests are another.

import * as tf from '@tensorflow/tfjs';

import type { EpochSummary, RunConfig, StepLoss, TrainingState } from '../../shared/training';
import type { CheckpointState, WorkerEvent } from '../../shared/worker-messages';
import { batchTensor, EVALUATION_BATCH, gatherImages, noisyBatchTensor, noisyBatchValues, noisySplit, rangeIndices, shuffledIndices } from './batches';
import { captureCheckpoint, restoreCheckpoint } from './checkpoint-state';
import type { SplitDenseStep } from './data-parallel/split-step';
import { startDataParallel } from './data-parallel/start';
import type { Dataset, ImageSplit } from './datasets/types';
import { latentMap } from './latent-codes';
import type { Autoencoder } from './model';
import { createOptimizer, setLearningRate } from './optimizer';
import { createRandom, derivedSeed } from './random';
import { modelSnapshot } from './snapshot';
import { createTrainingStep } from './training-step';
import type { TrainingStep } from './training-step';

export interface LoopOptions {
  config: RunConfig;
  dataset: Dataset;
  model: Autoencoder;
  /** Steps between two reconstruction refreshes; one also follows every epoch. */
  reconstructionEvery: number;
  /** Wall-clock start of the run, in ms since the Unix epoch; step times count from it. */
  runStartedAt: number;
  /** Threads that share each training step of the dense and deep models, this one included; 1 when absent. */
  trainThreads?: number;
  emit: (event: WorkerEvent) => void;
}

/** Steps whose losses are read back from the backend in one transfer. */
const STEPS_PER_READ = 10;

/** Validation images shown next to their reconstructions, unless the dataset has more labels (MNIST's 10 digits). */
const PROBE_COUNT = 8;

/** Most probe images, so that the grid stays readable on stream. */
const MAX_PROBE_COUNT = 16;

/** Most validation images whose latent codes make up the latent map. */
const LATENT_MAP_POINTS = 1000;

export class TrainingLoop {
  private readonly trainingStep: TrainingStep;
  /** The step that splits batches across threads, or null when this thread trains alone. */
  private split: SplitDenseStep | null = null;
  private readonly optimizer: tf.Optimizer;
  private readonly probes: Uint32Array;
  /** Validation images as the model receives them: the split itself, or a noisy copy fixed for the run when denoising. */
  private readonly validationInputs: ImageSplit;
  private state: TrainingState = 'starting';
  private step = 0;
  private epoch = 0;
  /** Steps of the current epoch already trained before a resume, skipped when that epoch starts. */
  private resumeOffset = 0;
  private running = false;
  private closed = false;
  private stopRequested = false;
  /** Milliseconds spent paused or diverged in the current epoch, left out of its throughput. */
  private heldMs = 0;
  private resumeWaiter: (() => void) | null = null;
  private readonly checkpointRequests: number[] = [];
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly options: LoopOptions) {
    const { config, dataset, model } = options;
    this.trainingStep = createTrainingStep(model, config);
    this.optimizer = createOptimizer(config.optimizer, config.learningRate, config.epsilon);
    const labelCount = dataset.info.labelNames.length;
    this.probes = chooseProbes(dataset.validation, Math.min(MAX_PROBE_COUNT, Math.max(PROBE_COUNT, labelCount)));
    this.validationInputs =
      config.denoise > 0 ? noisySplit(dataset.validation, config.denoise, createRandom(config.seed, 'validation-noise')) : dataset.validation;
  }

  /**
   * Continues from a checkpoint: weights, optimizer slots, epoch and step.
   * Call before `run`. Throws CheckpointMismatchError for a checkpoint of another model.
   */
  async restore(state: CheckpointState): Promise<void> {
    await restoreCheckpoint(this.options.model, this.optimizer, this.trainingStep.variables, state);
    this.epoch = state.epoch;
    this.step = state.step;

    const stepsPerEpoch = Math.ceil(this.options.dataset.train.count / this.options.config.batchSize);
    const offset = state.step - state.epoch * stepsPerEpoch;
    this.resumeOffset = offset > 0 && offset < stepsPerEpoch ? offset : 0;
    if (offset !== this.resumeOffset) {
      this.options.emit({
        type: 'warning',
        message:
          `checkpoint step ${state.step} does not fall inside epoch ${state.epoch + 1} at ${stepsPerEpoch} steps per epoch ` +
          `(the batch size or dataset changed); epoch ${state.epoch + 1} starts from its first batch.`,
      });
    }
  }

  /** Trains until the last epoch or a stop, then leaves the model loaded. */
  async run(): Promise<void> {
    this.running = true;
    await this.startThreads();
    this.setState('training', null);
    this.options.emit({ type: 'probes', labels: Uint8Array.from(this.probes, (index) => this.options.dataset.validation.labels[index]) });
    this.emitSnapshots();
    this.emitLatentMap();

    while (this.epoch < this.options.config.epochs && !this.stopRequested) {
      await this.runEpoch();
    }

    if (!this.stopRequested) this.setState('finished', `all ${this.options.config.epochs} epochs done`);
    this.running = false;
    // No step follows, so the followers end now instead of idling until the host stops the run.
    await this.split?.close();
    await this.sendCheckpoints();
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

  /** Ends the loop after the current step. */
  stop(): void {
    this.stopRequested = true;
    this.wake();
  }

  /** Changes the learning rate from the next step on. Throws a RangeError unless it is a finite number above 0. */
  setLearningRate(learningRate: number): void {
    setLearningRate(this.optimizer, learningRate);
  }

  /**
   * Requests a checkpoint, sent as a `checkpoint` event between two steps: at
   * once while paused, diverged or finished, otherwise before the next step starts.
   */
  requestCheckpoint(id: number): void {
    // NOTE: while diverged, the weights in the checkpoint are the non-finite ones; the caller decides whether to keep it.
    if (this.closed) {
      this.options.emit({ type: 'warning', message: `checkpoint ${id} was not taken: the training loop has already released its model` });
      return;
    }
    this.checkpointRequests.push(id);
    if (this.running) this.wake();
    else void this.sendCheckpoints();
  }

  /** Sends the requested checkpoints, then ends the follower threads and releases the optimizer's slots. The model belongs to the caller. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.sendCheckpoints();
    this.closed = true;
    await this.split?.close();
    this.optimizer.dispose();
  }

  /** Starts the follower threads when --train-threads requests them and the model can split its batches. */
  private async startThreads(): Promise<void> {
    const { config, dataset, model, trainThreads = 1, emit } = this.options;
    this.split = await startDataParallel({ requested: trainThreads, config, model, trainingStep: this.trainingStep, train: dataset.train, emit });
  }

  private async runEpoch(): Promise<void> {
    const { config, dataset } = this.options;
    const order = shuffledIndices(dataset.train.count, createRandom(config.seed, `shuffle:${this.epoch}`));
    const started = performance.now();
    this.heldMs = 0;
    const pending: tf.Tensor1D[] = [];
    const termSums = new Array<number>(this.trainingStep.termCount).fill(0);
    let lossCount = 0;
    const firstStart = this.resumeOffset * config.batchSize;
    this.resumeOffset = 0;

    const readPending = async (): Promise<void> => {
      const terms = await this.readLosses(pending);
      for (const stepTerms of terms) stepTerms.forEach((value, i) => (termSums[i] += value));
      lossCount += terms.length;
    };

    for (let start = firstStart; start < order.length && !this.stopRequested; start += config.batchSize) {
      // A pause or a checkpoint request that arrived during validation or a checkpoint takes effect before the next step.
      if (this.isHeld() || this.checkpointRequests.length > 0) {
        if (pending.length > 0) await readPending();
        await this.waitWhileHeld();
        if (this.stopRequested) break;
      }
      pending.push(await this.trainBatch(order.subarray(start, start + config.batchSize)));
      this.step++;

      const endOfEpoch = start + config.batchSize >= order.length;
      if (pending.length < STEPS_PER_READ && !endOfEpoch && this.step % this.options.reconstructionEvery !== 0) continue;

      await readPending();
      if (this.state === 'diverged') {
        await this.waitWhileHeld();
        continue;
      }
      if (this.step % this.options.reconstructionEvery === 0) this.emitSnapshots();

      await yieldToEventLoop();
      await this.waitWhileHeld();
    }

    if (this.stopRequested) {
      pending.forEach((terms) => terms.dispose());
      return;
    }
    this.epoch++;
    const meanTerms = termSums.map((sum) => (lossCount > 0 ? sum / lossCount : NaN));
    await this.finishEpoch(started, meanTerms, order.length - firstStart);
  }

  /** Runs one optimizer step on the images at `indices` and returns its loss terms, still on the backend. */
  private async trainBatch(indices: Uint32Array): Promise<tf.Tensor1D> {
    const { config, dataset } = this.options;
    const nextStep = this.step + 1;
    if (this.split?.active) {
      const noisyInput = config.denoise > 0 ? noisyBatchValues(dataset.train, indices, config.denoise, createRandom(config.seed, `noise:${nextStep}`)) : null;
      return this.split.train(this.optimizer, indices, noisyInput);
    }

    const target = batchTensor(dataset.train, indices);
    // Noise and the VAE's latent sample follow from the seed and the step, so a resumed run repeats them exactly.
    const input = config.denoise > 0 ? noisyBatchTensor(dataset.train, indices, config.denoise, createRandom(config.seed, `noise:${nextStep}`)) : target;
    try {
      return this.trainingStep.train(this.optimizer, input, target, derivedSeed(config.seed, `latent:${nextStep}`));
    } finally {
      tf.dispose([input, target]);
    }
  }

  /**
   * Reads the pending steps' loss terms in one transfer, emits their total
   * losses and returns each step's terms, stopping at the first total that is not finite.
   */
  private async readLosses(pending: tf.Tensor1D[]): Promise<number[][]> {
    const stacked = tf.stack(pending);
    const values = await stacked.data();
    stacked.dispose();
    pending.forEach((terms) => terms.dispose());

    const termCount = this.trainingStep.termCount;
    const firstStep = this.step - pending.length + 1;
    const elapsedMs = Date.now() - this.options.runStartedAt;
    pending.length = 0;
    const points: StepLoss[] = [];
    const terms: number[][] = [];
    for (let i = 0; i * termCount < values.length; i++) {
      const loss = values[i * termCount];
      if (!Number.isFinite(loss)) {
        this.diverge(firstStep + i, loss);
        break;
      }
      points.push({ step: firstStep + i, loss, elapsedMs });
      terms.push(Array.from(values.subarray(i * termCount, (i + 1) * termCount)));
    }

    if (points.length > 0) this.options.emit({ type: 'steps', epoch: this.epoch + 1, points });
    return terms;
  }

  private diverge(step: number, value: number): void {
    const reason =
      `the training loss became ${value} at step ${step} (epoch ${this.epoch + 1}); ` +
      'training is paused. Restart with a lower --lr.';
    this.setState('diverged', reason);
  }

  private async finishEpoch(started: number, trainTerms: number[], samples: number): Promise<void> {
    const seconds = (performance.now() - started - this.heldMs) / 1000;
    const validationTerms = await this.validationLoss();
    const summary: EpochSummary = {
      epoch: this.epoch,
      step: this.step,
      trainLoss: trainTerms[0],
      validationLoss: validationTerms[0],
      seconds,
      samplesPerSecond: samples / seconds,
    };
    if (this.trainingStep.termCount === 3) {
      summary.trainReconstructionLoss = trainTerms[1];
      summary.trainKlLoss = trainTerms[2];
      summary.validationReconstructionLoss = validationTerms[1];
      summary.validationKlLoss = validationTerms[2];
    }
    this.options.emit({ type: 'epoch', summary });
    this.emitSnapshots();
    this.emitLatentMap();
    const followerTensors = this.split?.active ? { followerTensors: this.split.followerTensorCounts() } : {};
    this.options.emit({ type: 'memory', numTensors: tf.memory().numTensors, step: this.step, ...followerTensors });
  }

  /**
   * Computes the mean loss terms over the whole validation split, against the clean
   * images. When denoising, the inputs are the run's fixed noisy copy, and
   * a VAE's latent samples are seeded per batch, so epochs compare fairly.
   * Between batches it lets the thread handle messages and sends requested
   * checkpoints, because a pass over a large split can take many seconds.
   */
  private async validationLoss(): Promise<number[]> {
    // TODO: with --train-threads the validation pass still runs on this thread alone; the followers could share it.
    const { config, dataset } = this.options;
    const { validation } = dataset;
    let sum: tf.Tensor1D = tf.zeros([this.trainingStep.termCount]);
    for (let start = 0; start < validation.count; start += EVALUATION_BATCH) {
      const indices = rangeIndices(start, Math.min(start + EVALUATION_BATCH, validation.count));
      const next = tf.tidy(() => {
        const input = batchTensor(this.validationInputs, indices);
        const target = this.validationInputs === validation ? input : batchTensor(validation, indices);
        const terms = this.trainingStep.evaluate(input, target, derivedSeed(config.seed, `validation:${start}`));
        return sum.add(terms.mul(indices.length)) as tf.Tensor1D;
      });
      sum.dispose();
      sum = next;

      await yieldToEventLoop();
      if (this.checkpointRequests.length > 0) await this.sendCheckpoints();
    }
    const values = Array.from(sum.dataSync(), (value) => value / validation.count);
    sum.dispose();
    return values;
  }

  /** Emits the probes' reconstructions and the encoder's and decoder's weights at the current step. */
  private emitSnapshots(): void {
    this.emitReconstructions();
    const { encoder, decoder } = this.options.model;
    this.options.emit({ type: 'weights', encoder: modelSnapshot(encoder, this.step), decoder: modelSnapshot(decoder, this.step) });
  }

  /** Encodes the first validation images (clean, even when denoising) and emits their codes with per-dimension statistics. */
  private emitLatentMap(): void {
    const { validation } = this.options.dataset;
    const count = Math.min(LATENT_MAP_POINTS, validation.count);
    const map = latentMap(this.trainingStep, validation, count, this.options.config.latent, this.epoch, this.step);
    this.options.emit({ type: 'latent', map });
  }

  /** Emits the probes as the model saw them (noisy when denoising) next to its output. */
  private emitReconstructions(): void {
    const inputs = gatherImages(this.validationInputs, this.probes);
    const pixels = tf.tidy(() => this.trainingStep.reconstruct(batchTensor(this.validationInputs, this.probes)).mul(255).round().toInt());
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

  /** Waits while the state is paused or diverged, until resume or stop, sending requested checkpoints meanwhile. */
  private async waitWhileHeld(): Promise<void> {
    const started = performance.now();
    for (;;) {
      await this.sendCheckpoints();
      if (!this.isHeld() || this.stopRequested) break;
      await new Promise<void>((resolve) => (this.resumeWaiter = resolve));
    }
    this.heldMs += performance.now() - started;
  }

  private isHeld(): boolean {
    return this.state === 'paused' || this.state === 'diverged';
  }

  /** Sends a checkpoint for every pending request, in order. Concurrent callers wait for the same ones. */
  private sendCheckpoints(): Promise<void> {
    this.sending = this.sending.then(async () => {
      while (this.checkpointRequests.length > 0) {
        const id = this.checkpointRequests.shift()!;
        try {
          const state = await captureCheckpoint(this.options.model, this.optimizer, this.epoch, this.step);
          this.options.emit({ type: 'checkpoint', id, state });
        } catch (error) {
          this.options.emit({ type: 'warning', message: `checkpoint ${id} at step ${this.step} failed: ${(error as Error).message}` });
        }
      }
    });
    return this.sending;
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

/** Lets the thread handle queued messages, such as a pause, between steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
