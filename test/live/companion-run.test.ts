// The companion's callbacks around a real model.fit in this process: which
// events reach the host, and that reading models for viewers leaks no tensor.

import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunConfig } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import { CompanionRun } from '../../server/companion/companion-run';
import { checkFitOptions, FitReporter } from '../../server/companion/fit-reporter';
import type { FitCallbackOptions } from '../../server/companion/fit-reporter';
import { waitFor } from '../helpers/host';

const LATENT = 2;
const IMAGES = 64;
const BATCH = 16;
const EPOCHS = 3;

const baseConfig: RunConfig = {
  dataset: 'squares and circles',
  shapesCount: 0,
  model: 'file',
  hidden: [],
  latent: 8,
  loss: 'mse',
  optimizer: 'sgd',
  learningRate: 0.1,
  epsilon: 1e-7,
  batchSize: 64,
  epochs: 1,
  validationSplit: 0.1,
  seed: 1,
  backend: 'auto',
  denoise: 0,
  modelFile: '/streams/autoencoder.mjs',
};

class RecordingSink {
  readonly events: WorkerEvent[] = [];
  readonly runs: { config: RunConfig; reason: string }[] = [];

  handle(event: WorkerEvent): void {
    this.events.push(event);
  }

  startRun(config: RunConfig, reason: string): void {
    this.runs.push({ config, reason });
    this.events.length = 0;
  }

  of<T extends WorkerEvent['type']>(type: T): Extract<WorkerEvent, { type: T }>[] {
    return this.events.filter((event): event is Extract<WorkerEvent, { type: T }> => event.type === type);
  }
}

function buildModels() {
  const encoder = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [784], units: 32, activation: 'relu' }), tf.layers.dense({ units: LATENT })],
  });
  const decoder = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [LATENT], units: 32, activation: 'relu' }), tf.layers.dense({ units: 784, activation: 'sigmoid' })],
  });
  const autoencoder = tf.sequential({ layers: [encoder, decoder] });
  autoencoder.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' });
  return { encoder, decoder, autoencoder };
}

let images: tf.Tensor2D;
let probes: tf.Tensor2D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  images = tf.randomUniform([IMAGES, 784], 0, 1, 'float32', 1) as tf.Tensor2D;
  probes = images.slice([0, 0], [4, 784]);
});

afterAll(() => {
  tf.dispose([images, probes]);
});

function companion(sink: RecordingSink) {
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  return new CompanionRun({ sink, config: baseConfig, labelNames: ['square', 'circle'], log, reconstructionEveryMs: 0, weightsEveryMs: 0 });
}

async function fit(run: CompanionRun, autoencoder: tf.LayersModel, options: FitCallbackOptions) {
  await autoencoder.fit(images, images, { epochs: EPOCHS, batchSize: BATCH, callbacks: [new FitReporter(run, checkFitOptions(options))] });
}

describe('companion run around model.fit', () => {
  it('starts a run with what the fit and the model tell', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { encoder, decoder, autoencoder } = buildModels();
    run.setEncoder(encoder);
    run.setDecoder(decoder);
    await fit(run, autoencoder, { probes });

    expect(sink.runs).toHaveLength(1);
    expect(sink.runs[0].reason).toBe('model.fit called');
    expect(sink.runs[0].config).toMatchObject({ latent: LATENT, epochs: EPOCHS, batchSize: BATCH, loss: 'bce', optimizer: 'adam', learningRate: 0.01 });
    expect(sink.of('ready')[0]).toMatchObject({ layerSizes: [784, 32, LATENT, 32, 784], dataset: { name: 'squares and circles', trainCount: IMAGES } });
  });

  it('sends every step loss and epoch', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { encoder, decoder, autoencoder } = buildModels();
    run.setEncoder(encoder);
    run.setDecoder(decoder);
    await fit(run, autoencoder, { probes });

    const steps = sink.of('steps').flatMap((event) => event.points.map((point) => point.step));
    expect(steps).toEqual(Array.from({ length: EPOCHS * (IMAGES / BATCH) }, (_, i) => i + 1));
    expect(sink.of('epoch').map((event) => event.summary.epoch)).toEqual([1, 2, 3]);
    expect(sink.of('epoch').every((event) => Number.isFinite(event.summary.trainLoss))).toBe(true);
    expect(sink.of('state').map((event) => event.state)).toEqual(['training', 'finished']);
  });

  it('sends reconstructions, weights and the latent map', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { encoder, decoder, autoencoder } = buildModels();
    run.setEncoder(encoder);
    run.setDecoder(decoder);
    await fit(run, autoencoder, { probes, probeLabels: [0, 1, 0, 1] });

    expect(Array.from(sink.of('probes')[0].labels)).toEqual([0, 1, 0, 1]);
    const reconstructions = sink.of('reconstructions').at(-1)!.set;
    expect(reconstructions.count).toBe(4);
    expect(reconstructions.outputs).toHaveLength(4 * 784);
    expect(reconstructions.step).toBe(EPOCHS * (IMAGES / BATCH));

    const weights = sink.of('weights').at(-1)!;
    expect(weights.decoder.weights.map((weight) => weight.shape)).toEqual([[LATENT, 32], [32], [32, 784], [784]]);
    expect(weights.encoder.weights.map((weight) => weight.shape)).toEqual([[784, 32], [32], [32, LATENT], [LATENT]]);
    expect(weights.decoder.step).toBe(EPOCHS * (IMAGES / BATCH));

    const map = sink.of('latent').at(-1)!.map;
    expect(map.dims).toBe(LATENT);
    expect(map.count).toBe(4);
  });

  it('reconstructs with the fit model without setDecoder', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { autoencoder } = buildModels();
    await fit(run, autoencoder, { probes });

    expect(sink.of('reconstructions').length).toBeGreaterThan(0);
    expect(sink.of('weights')).toHaveLength(0);
  });

  it('starts a new run for a second fit', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { encoder, decoder, autoencoder } = buildModels();
    run.setEncoder(encoder);
    run.setDecoder(decoder);
    await fit(run, autoencoder, { probes });
    await fit(run, autoencoder, { probes });

    expect(sink.runs).toHaveLength(2);
    expect(sink.of('steps')[0].points[0].step).toBe(1);
  });

  it('leaks no tensor across fits', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { encoder, decoder, autoencoder } = buildModels();
    run.setEncoder(encoder);
    run.setDecoder(decoder);
    // The first fit creates the optimizer's slots; later fits must add nothing.
    await fit(run, autoencoder, { probes });
    const before = tf.memory().numTensors;
    await fit(run, autoencoder, { probes });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('sends weights as soon as both models are set', () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { encoder, decoder } = buildModels();
    run.setDecoder(decoder);
    expect(sink.of('weights')).toHaveLength(0);
    run.setEncoder(encoder);
    expect(sink.of('weights')).toHaveLength(1);
  });
});

describe('companion fit between batches', () => {
  /** Number of step losses the sink has received. */
  const stepCount = (sink: RecordingSink) => sink.of('steps').length;

  it('lets timers run while the fit trains', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { autoencoder } = buildModels();
    let stepsAtTimer: number | null = null;

    const fitting = fit(run, autoencoder, { probes });
    setTimeout(() => (stepsAtTimer = stepCount(sink)), 0);
    await fitting;

    // Without a yield between batches the timer fires only after the fit returned.
    expect(stepsAtTimer).not.toBeNull();
    expect(stepsAtTimer).toBeLessThan(EPOCHS * (IMAGES / BATCH));
  });

  it('holds the fit while paused', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { autoencoder } = buildModels();
    let returned = false;

    const fitting = fit(run, autoencoder, { probes }).then(() => (returned = true));
    await waitFor('the first step', () => stepCount(sink) > 0);
    run.pause();
    await waitFor('the paused state', () => sink.of('state').some((event) => event.state === 'paused'));
    const stepsWhenPaused = stepCount(sink);
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setTimeout(resolve, 10));

    expect(stepCount(sink)).toBe(stepsWhenPaused);
    expect(returned).toBe(false);

    run.resume();
    await fitting;
    expect(stepCount(sink)).toBe(EPOCHS * (IMAGES / BATCH));
    expect(sink.of('state').map((event) => event.state)).toEqual(['training', 'paused', 'training', 'finished']);
  });

  it('ignores a pause between fits', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { autoencoder } = buildModels();

    run.pause();
    await fit(run, autoencoder, { probes });
    expect(sink.of('state').map((event) => event.state)).toEqual(['training', 'finished']);
  });

  it('releases a paused fit on close', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { autoencoder } = buildModels();

    const fitting = fit(run, autoencoder, { probes });
    await waitFor('the first step', () => stepCount(sink) > 0);
    run.pause();
    await waitFor('the paused state', () => sink.of('state').some((event) => event.state === 'paused'));
    run.close();
    await fitting;
    expect(stepCount(sink)).toBe(EPOCHS * (IMAGES / BATCH));
  });
});

describe('companion run after close', () => {
  it('ignores a pause', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { autoencoder } = buildModels();

    run.close();
    const fitting = fit(run, autoencoder, { probes });
    await waitFor('the first step', () => sink.of('steps').length > 0);
    run.pause();
    await fitting;
    expect(sink.of('state').map((event) => event.state)).toEqual(['training', 'finished']);
  });
});

describe('companion run that diverges', () => {
  it('holds the fit until the host closes', async () => {
    const sink = new RecordingSink();
    const run = companion(sink);
    const { autoencoder } = buildModels();
    const broken = tf.fill([IMAGES, 784], Number.NaN) as tf.Tensor2D;
    const callbacks = [new FitReporter(run, checkFitOptions({ probes }))];
    const divergedCount = () => sink.of('state').filter((event) => event.state === 'diverged').length;
    let returned = false;

    const fitting = autoencoder.fit(broken, broken, { epochs: EPOCHS, batchSize: BATCH, callbacks }).then(() => (returned = true));
    await waitFor('the diverged state', () => divergedCount() === 1);
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(returned).toBe(false);

    run.resume();
    await waitFor('a second diverged state', () => divergedCount() === 2);
    expect(returned).toBe(false);

    run.close();
    await fitting;
    expect(sink.of('state').map((event) => event.state)).toEqual(['training', 'diverged', 'training', 'diverged', 'finished']);
    broken.dispose();
  });
});

describe('companion argument checks', () => {
  it.each([
    { name: 'probes of another size', options: () => ({ probes: tf.zeros([4, 100]) }), message: /probes has shape \[4, 100\]; pass 1 to 16 images of 784 values/ },
    { name: 'too many probes', options: () => ({ probes: tf.zeros([17, 784]) }), message: /probes has shape \[17, 784\]; pass 1 to 16 images/ },
    { name: 'labels of another count', options: () => ({ probes: tf.zeros([2, 784]), probeLabels: [0] }), message: /probeLabels has 1 labels for 2 images/ },
    { name: 'an array for probes', options: () => ({ probes: [[0, 1]] as unknown as tf.Tensor }), message: /probes must be a tensor of images/ },
  ])('rejects $name', ({ options, message }) => {
    const built = options();
    expect(() => checkFitOptions(built)).toThrow(message);
    if (built.probes instanceof tf.Tensor) built.probes.dispose();
  });

  it('rejects a decoder for another latent size', () => {
    const run = companion(new RecordingSink());
    const { encoder } = buildModels();
    run.setEncoder(encoder);
    const decoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 784 })] });
    expect(() => run.setDecoder(decoder)).toThrow('setDecoder: the latent size is 3, but the encoder outputs 2; give both the same latent size.');
  });

  it('rejects a decoder that outputs no image', () => {
    const run = companion(new RecordingSink());
    const decoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 10 })] });
    expect(() => run.setDecoder(decoder)).toThrow('setDecoder: the decoder outputs 10 values per latent vector; it must output an image of 784 values.');
  });

  it('rejects something that is no model', () => {
    const run = companion(new RecordingSink());
    expect(() => run.setEncoder({} as tf.LayersModel)).toThrow('setEncoder: pass a tf.LayersModel, such as tf.sequential({ layers: [...] }).');
  });
});
