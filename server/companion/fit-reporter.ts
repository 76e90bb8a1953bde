// The callback that `live.fitCallbacks()` returns: it turns the events of the
// streamer's `model.fit` into the same events the training worker sends, so
// that viewers see step losses, epochs, reconstructions and weights.

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../../shared/training';
import type { CompanionRun } from './companion-run';

/** Options of `live.fitCallbacks()`. */
export interface FitCallbackOptions {
  /**
   * A few fixed images whose reconstructions viewers watch, such as the first
   * 8 of your validation data. It is a tensor of 1 to 16 images of 784 values
   * in [0, 1], shaped as your model's input ([n, 784] or [n, 28, 28, 1]).
   */
  probes?: tf.Tensor;
  /** Label of each probe, an index into `labelNames` of startCompanion; 0 for every probe by default. */
  probeLabels?: number[];
  /**
   * Images whose latent codes, from the encoder given to setEncoder, draw the
   * latent map and set the explorer's slider ranges: up to 1,000 images shaped
   * as the encoder's input. The probes by default.
   */
  mapInputs?: tf.Tensor;
  /** Label of each map input; 0 for every image by default. */
  mapLabels?: number[];
  /**
   * The model that reconstructs the probes. By default the model being fit,
   * or the encoder and the decoder given to setEncoder and setDecoder.
   */
  model?: tf.LayersModel;
}

/** Maximum number of probe images, so that the reconstruction grid stays readable on stream. */
export const MAX_PROBES = 16;

/** Maximum number of images in the latent map, as many as the built-in trainer sends. */
export const MAX_MAP_INPUTS = 1000;

/** Logs of a batch or an epoch: numbers, or scalar tensors when tf.js calls a tf.Callback directly. */
type FitLogs = Record<string, number | tf.Scalar> | undefined;

/** Checks the options of fitCallbacks, so that a wrong tensor fails before fit starts. */
export function checkFitOptions(options: FitCallbackOptions): FitCallbackOptions {
  const { probes, mapInputs } = options;
  if (probes !== undefined) checkImages('probes', probes, MAX_PROBES, options.probeLabels, 'probeLabels');
  if (mapInputs !== undefined) checkImages('mapInputs', mapInputs, MAX_MAP_INPUTS, options.mapLabels, 'mapLabels');
  return options;
}

/**
 * A tf.Callback, so that tf.js hands it the fit parameters (epochs, samples)
 * and the model being fit. Its methods are bound, because a tf.js of another
 * copy than latentcast's treats it as plain callback functions instead.
 */
export class FitReporter extends tf.Callback {
  private epochStartedAt = 0;
  private epochSamples = 0;

  constructor(
    private readonly run: CompanionRun,
    private readonly options: FitCallbackOptions,
  ) {
    super();
    this.onTrainBegin = this.onTrainBegin.bind(this);
    this.onEpochBegin = this.onEpochBegin.bind(this);
    this.onBatchEnd = this.onBatchEnd.bind(this);
    this.onEpochEnd = this.onEpochEnd.bind(this);
    this.onTrainEnd = this.onTrainEnd.bind(this);
  }

  override async onTrainBegin(): Promise<void> {
    const params = (this.params ?? {}) as { epochs?: number; samples?: number; batchSize?: number };
    await this.run.beginFit({ epochs: params.epochs, samples: params.samples, batchSize: params.batchSize, model: this.model ?? null, options: this.options });
  }

  override async onEpochBegin(): Promise<void> {
    this.epochStartedAt = performance.now();
    this.epochSamples = 0;
  }

  override async onBatchEnd(_batch: number, logs?: FitLogs): Promise<void> {
    this.epochSamples += await numberIn(logs, 'size');
    await this.run.batchEnded(await numberIn(logs, 'loss'));
  }

  override async onEpochEnd(_epoch: number, logs?: FitLogs): Promise<void> {
    const seconds = (performance.now() - this.epochStartedAt) / 1000;
    const validationLoss = await numberIn(logs, 'val_loss');
    await this.run.epochEnded({ trainLoss: await numberIn(logs, 'loss'), validationLoss, seconds, samples: this.epochSamples });
  }

  override async onTrainEnd(): Promise<void> {
    await this.run.endFit();
  }
}

async function numberIn(logs: FitLogs, key: string): Promise<number> {
  const value = logs?.[key];
  if (value === undefined) return NaN;
  if (typeof value === 'number') return value;
  return (await value.data())[0];
}

function checkImages(name: string, images: tf.Tensor, max: number, labels: number[] | undefined, labelsName: string): void {
  if (typeof images?.size !== 'number' || typeof images.data !== 'function' || !Array.isArray(images.shape)) {
    throw new TypeError(`fitCallbacks: ${name} must be a tensor of images, such as tf.tensor2d(pixels, [8, 784]).`);
  }
  const count = images.shape[0] ?? 0;
  if (images.size !== count * IMAGE_PIXELS || count < 1 || count > max) {
    throw new TypeError(
      `fitCallbacks: ${name} has shape [${images.shape.join(', ')}]; pass 1 to ${max} images of 784 values, such as [8, 784] or [8, 28, 28, 1].`,
    );
  }
  if (labels !== undefined && labels.length !== count) {
    throw new TypeError(`fitCallbacks: ${labelsName} has ${labels.length} labels for ${count} images; give one label per image.`);
  }
}
