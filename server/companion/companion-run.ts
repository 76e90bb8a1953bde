// The companion's side of a run: it keeps the step count, the streamer's
// encoder and decoder and the fit in progress, and sends the host the same
// events the training worker sends. Each `model.fit` is one run. A failure
// to read a model for viewers is logged and never stops the streamer's fit.
// Between batches the fit passes a FitGate, which lets the host serve its
// pages and stops the fit while the host panel has paused it.

import * as tf from '@tensorflow/tfjs';

import { toPixelBytes } from '../../shared/pixels';
import { IMAGE_PIXELS } from '../../shared/training';
import type { BackendInfo, LossKind, OptimizerKind, RunConfig } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import type { Logger } from '../log';
import { FitGate } from './fit-gate';
import type { FitCallbackOptions } from './fit-reporter';
import { modelSnapshot } from '../trainer/snapshot';
import { latentMapOf, layerSizesOf, predictValues } from './model-readout';
import type { Predictor } from './model-readout';

/** The destination of the events: the host's training feed. */
export interface RunSink {
  handle(event: WorkerEvent): void;
  /** Starts a new run in the host's record, so that viewers' charts start again. */
  startRun(config: RunConfig, reason: string): void;
}

export interface CompanionRunOptions {
  sink: RunSink;
  /** Configuration of the runs, before each fit fills in what the model and fit tell. */
  config: RunConfig;
  /** Names of the image labels, indexed by label. */
  labelNames: string[];
  log: Logger;
  /** Milliseconds between two reconstruction refreshes while a fit runs. */
  reconstructionEveryMs: number;
  /** Milliseconds between two weight snapshots while a fit runs. */
  weightsEveryMs: number;
}

/** The fit parameters and model that the callback receives when a fit starts. */
export interface FitStart {
  epochs: number | undefined;
  samples: number | undefined;
  batchSize: number | undefined;
  /** The model being fit, when tf.js handed it over. */
  model: tf.LayersModel | null;
  options: FitCallbackOptions;
}

/** One epoch as the callback measured it. */
export interface EpochEnd {
  trainLoss: number;
  validationLoss: number;
  seconds: number;
  samples: number;
}

interface ActiveFit {
  options: FitCallbackOptions;
  reconstructor: Predictor | null;
  lastReconstructionAt: number;
  lastWeightsAt: number;
}

export class CompanionRun {
  private encoder: tf.LayersModel | null = null;
  private decoder: tf.LayersModel | null = null;
  private config: RunConfig;
  private step = 0;
  private epoch = 0;
  private runStartedAt = Date.now();
  private diverged = false;
  /** True once close() has run: from then on no pause or divergence stops a fit. */
  private closed = false;
  private fit: ActiveFit | null = null;
  private readonly gate = new FitGate();
  /** Problems already logged, so that a broken readout warns once, not at every step. */
  private readonly warned = new Set<string>();

  constructor(private readonly options: CompanionRunOptions) {
    this.config = options.config;
    options.sink.handle({ type: 'state', state: 'starting', reason: 'waiting for the script to call model.fit' });
  }

  /** Sets the encoder that the explorer and the latent map use; throws a TypeError naming the problem. */
  setEncoder(model: tf.LayersModel): void {
    const { input, output } = checkModel('setEncoder', model);
    if (input !== IMAGE_PIXELS) throw new TypeError(`setEncoder: the encoder takes ${input} values per image; it must take an image of 784 values, such as [784] or [28, 28, 1].`);
    this.checkLatent('setEncoder', output, this.decoder ? inputSize(this.decoder) : null, 'decoder takes');
    this.encoder = model;
    this.sendWeights();
  }

  /** Sets the decoder that viewers decode latent vectors with; throws a TypeError naming the problem. */
  setDecoder(model: tf.LayersModel): void {
    const { input, output } = checkModel('setDecoder', model);
    if (output !== IMAGE_PIXELS) throw new TypeError(`setDecoder: the decoder outputs ${output} values per latent vector; it must output an image of 784 values.`);
    this.checkLatent('setDecoder', input, this.encoder ? outputSize(this.encoder) : null, 'encoder outputs');
    this.decoder = model;
    this.sendWeights();
  }

  /** Starts a run for a fit: a new one in the host's record, with the fit's epochs and the model's loss and optimizer. */
  async beginFit(start: FitStart): Promise<void> {
    this.config = this.fitConfig(start);
    this.step = 0;
    this.epoch = 0;
    this.diverged = false;
    this.runStartedAt = Date.now();
    this.options.sink.startRun(this.config, 'model.fit called');

    const reconstructor = start.options.model ?? this.encoderDecoder() ?? start.model;
    this.fit = { options: start.options, reconstructor, lastReconstructionAt: 0, lastWeightsAt: 0 };
    const sizes = this.encoder && this.decoder ? layerSizesOf([this.encoder, this.decoder]) : start.model ? layerSizesOf([start.model]) : [IMAGE_PIXELS];
    const dataset = { name: this.config.dataset, trainCount: start.samples ?? 0, validationCount: 0, labelNames: this.options.labelNames };
    this.emit({ type: 'ready', backend: backendInfo(), dataset, layerSizes: sizes, runStartedAt: this.runStartedAt });
    this.emit({ type: 'state', state: 'training', reason: null });

    await this.sendProbes();
    await this.sendSnapshots(true);
  }

  /**
   * Records one step's loss, refreshes reconstructions and weights when their
   * interval has passed, and then passes the gate: it yields to the host's
   * event loop and, while the host panel has paused the run or the run has
   * diverged, waits until it resumes.
   */
  async batchEnded(loss: number): Promise<void> {
    this.step++;
    if (this.recordLoss(loss)) await this.sendSnapshots(false);
    await this.gate.pass(() => {
      // A diverged run keeps its state and reason, which explain the wait.
      if (!this.diverged) this.emit({ type: 'state', state: 'paused', reason: `paused by the host after step ${this.step}; model.fit waits` });
    });
  }

  /** Holds the fit at its next batch end until resume(); viewers see `paused` once it holds. Does nothing between fits or after close(). */
  pause(): void {
    if (!this.fit || this.closed) return;
    this.gate.pause();
  }

  /** Lets a paused fit go on with its next batch; a loss that is still not finite moves the run to `diverged` again. */
  resume(): void {
    if (!this.gate.resume()) return;
    this.diverged = false;
    this.emit({ type: 'state', state: 'training', reason: null });
  }

  /** Releases a held fit for good, for a host that is closing, so that the script's `await model.fit` can return. */
  close(): void {
    this.closed = true;
    this.gate.resume();
  }

  /** Records an epoch with its losses and sends every snapshot. */
  async epochEnded(end: EpochEnd): Promise<void> {
    this.epoch++;
    const summary = {
      epoch: this.epoch,
      step: this.step,
      trainLoss: end.trainLoss,
      validationLoss: end.validationLoss,
      seconds: end.seconds,
      samplesPerSecond: end.seconds > 0 ? end.samples / end.seconds : 0,
    };
    this.emit({ type: 'epoch', summary });
    await this.sendSnapshots(true);
    await this.sendLatentMap();
    this.emit({ type: 'memory', numTensors: tf.memory().numTensors, step: this.step });
  }

  /** Ends the run of a fit: the last snapshots, then `finished`; the models stay for viewers to explore. */
  async endFit(): Promise<void> {
    await this.sendSnapshots(true);
    this.fit = null;
    // A pause that came after the last batch has no fit left to hold.
    this.gate.resume();
    this.emit({ type: 'state', state: 'finished', reason: `model.fit returned after ${this.epoch} epochs` });
  }

  /**
   * Sends a finite loss as a step. A loss that is not finite moves the run to
   * `diverged` and stops the fit at this batch end, as the host's own trainer
   * pauses, so that the streamer can stop the script instead of training on
   * NaN weights. Returns whether the loss was finite.
   */
  private recordLoss(loss: number): boolean {
    if (!Number.isFinite(loss)) {
      if (!this.diverged) {
        this.emit({ type: 'state', state: 'diverged', reason: `the training loss became ${loss} at step ${this.step} (epoch ${this.epoch + 1}); model.fit waits. Stop the script and lower the learning rate.` });
      }
      this.diverged = true;
      this.pause();
      return false;
    }
    if (this.diverged) {
      this.diverged = false;
      this.emit({ type: 'state', state: 'training', reason: null });
    }

    this.emit({ type: 'steps', epoch: this.epoch + 1, points: [{ step: this.step, loss, elapsedMs: Date.now() - this.runStartedAt }] });
    return true;
  }

  private fitConfig(start: FitStart): RunConfig {
    const model = start.options.model ?? start.model;
    let latent = this.config.latent;
    if (this.decoder) latent = inputSize(this.decoder);
    else if (this.encoder) latent = outputSize(this.encoder);
    return {
      ...this.config,
      latent,
      epochs: start.epochs ?? this.config.epochs,
      batchSize: start.batchSize ?? this.config.batchSize,
      loss: lossKind(model) ?? this.config.loss,
      optimizer: optimizerKind(model) ?? this.config.optimizer,
      learningRate: learningRate(model) ?? this.config.learningRate,
      epsilon: epsilon(model) ?? this.config.epsilon,
    };
  }

  private async sendProbes(): Promise<void> {
    const count = this.fit?.options.probes?.shape[0];
    if (count === undefined) return;
    this.emit({ type: 'probes', labels: Uint8Array.from(this.fit?.options.probeLabels ?? new Array<number>(count).fill(0)) });
  }

  /** Sends reconstructions and weights whose interval has passed, or both when `now`. */
  private async sendSnapshots(now: boolean): Promise<void> {
    const fit = this.fit;
    const time = performance.now();
    if (fit && (now || time - fit.lastReconstructionAt >= this.options.reconstructionEveryMs)) {
      fit.lastReconstructionAt = time;
      await this.sendReconstructions(fit);
    }
    if (!fit || now || time - fit.lastWeightsAt >= this.options.weightsEveryMs) {
      if (fit) fit.lastWeightsAt = time;
      this.sendWeights();
    }
  }

  private async sendReconstructions(fit: ActiveFit): Promise<void> {
    const probes = fit.options.probes;
    if (!probes || !fit.reconstructor) return;
    await this.guarded('reconstructions', 'reconstructing the probes failed; viewers see no reconstructions', async () => {
      const outputs = toPixelBytes(await predictValues(fit.reconstructor!, probes));
      const inputs = toPixelBytes(await probes.data());
      const count = probes.shape[0];
      if (outputs.length !== count * IMAGE_PIXELS) throw new Error(`the model outputs ${outputs.length / count} values per probe; it must output 784`);
      this.emit({ type: 'reconstructions', set: { epoch: this.epoch, step: this.step, count, inputs, outputs } });
    });
  }

  private async sendLatentMap(): Promise<void> {
    const inputs = this.fit?.options.mapInputs ?? this.fit?.options.probes;
    const encoder = this.encoder;
    if (!inputs || !encoder) return;
    const labels = this.fit?.options.mapInputs ? this.fit.options.mapLabels : this.fit?.options.probeLabels;
    await this.guarded('latent', 'encoding the map inputs failed; viewers see no latent map', async () => {
      const dims = outputSize(encoder);
      const codes = await predictValues(encoder, inputs);
      const count = inputs.shape[0];
      this.emit({ type: 'latent', map: latentMapOf(codes, count, dims, Uint8Array.from(labels ?? new Array<number>(count).fill(0)), this.epoch, this.step) });
    });
  }

  private sendWeights(): void {
    const { encoder, decoder } = this;
    if (!encoder || !decoder) return;
    void this.guarded('weights', 'reading the weights failed; viewers cannot decode latent vectors', async () => {
      this.emit({ type: 'weights', encoder: modelSnapshot(encoder, this.step), decoder: modelSnapshot(decoder, this.step) });
    });
  }

  /** Runs a readout for viewers; a failure is logged once per kind and the streamer's fit goes on. */
  private async guarded(kind: string, message: string, readout: () => Promise<void>): Promise<void> {
    try {
      await readout();
    } catch (error) {
      if (this.warned.has(kind)) return;
      this.warned.add(kind);
      this.options.log.warn({ err: error, step: this.step }, message);
    }
  }

  private encoderDecoder(): Predictor | null {
    const { encoder, decoder } = this;
    if (!encoder || !decoder) return null;
    const predict = (inputs: tf.Tensor) => {
      const codes = encoder.predict(inputs) as tf.Tensor;
      const outputs = decoder.predict(codes);
      codes.dispose();
      return outputs;
    };
    return { predict } as Predictor;
  }

  private checkLatent(method: string, size: number, other: number | null, otherText: string): void {
    if (other === null || other === size) return;
    throw new TypeError(`${method}: the latent size is ${size}, but the ${otherText} ${other}; give both the same latent size.`);
  }

  private emit(event: WorkerEvent): void {
    this.options.sink.handle(event);
  }
}

/** Checks that `model` is a LayersModel with one input and one output, and returns their values per example. */
function checkModel(method: string, model: tf.LayersModel): { input: number; output: number } {
  const candidate = model as Partial<tf.LayersModel> | null;
  if (!candidate || typeof candidate.predict !== 'function' || !Array.isArray(candidate.inputs) || !Array.isArray(candidate.outputs)) {
    throw new TypeError(`${method}: pass a tf.LayersModel, such as tf.sequential({ layers: [...] }).`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new TypeError(`${method}: the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; it must have one of each.`);
  }
  return { input: inputSize(model), output: outputSize(model) };
}

function inputSize(model: tf.LayersModel): number {
  return valuesPerExample(model.inputs[0].shape);
}

function outputSize(model: tf.LayersModel): number {
  return valuesPerExample(model.outputs[0].shape);
}

function valuesPerExample(shape: (number | null)[]): number {
  return shape.slice(1).reduce<number>((product, size) => product * (size ?? 1), 1);
}

/** Reports the backend that the streamer's TensorFlow.js runs on; in Node it is one of these three. */
function backendInfo(): BackendInfo {
  const name = tf.getBackend();
  const known = name === 'tensorflow' || name === 'wasm' ? name : 'cpu';
  return { name: known, reason: `your script's TensorFlow.js runs on the ${name} backend` };
}

function lossKind(model: tf.LayersModel | null | undefined): LossKind | null {
  const loss = model?.loss;
  if (loss === 'binaryCrossentropy' || loss === 'binary_crossentropy') return 'bce';
  if (loss === 'meanSquaredError' || loss === 'mse' || loss === 'mean_squared_error') return 'mse';
  return null;
}

function optimizerKind(model: tf.LayersModel | null | undefined): OptimizerKind | null {
  const name = model?.optimizer?.getClassName().toLowerCase();
  return name === 'adam' || name === 'adadelta' || name === 'sgd' ? name : null;
}

function learningRate(model: tf.LayersModel | null | undefined): number | null {
  const rate = (model?.optimizer as { learningRate?: unknown } | undefined)?.learningRate;
  return typeof rate === 'number' ? rate : null;
}

/** Returns the fuzz factor of the model's Adam or Adadelta optimizer, which TensorFlow.js keeps in an `epsilon` field. */
function epsilon(model: tf.LayersModel | null | undefined): number | null {
  const value = (model?.optimizer as { epsilon?: unknown } | undefined)?.epsilon;
  return typeof value === 'number' ? value : null;
}
