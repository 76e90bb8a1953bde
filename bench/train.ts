// Training throughput: trains on a dataset in this process, with the same
// loop the host runs, and prints images per second for each epoch. For dense
// and deep models on MNIST it then trains the identical model in PyTorch,
// when python3 can import torch, and prints the ratio of the two.
//
//   npm run bench:train -- [--dataset mnist] [--model dense|deep|conv|vae] [--latent 32] [--batch-size 256] [--epochs 2]
//                          [--backend auto] [--denoise 0] [--limit N] [--train-threads 1]
//
// Like the host, it runs the preflight first and moves training to the CPU
// backend when `auto` picked a backend that cannot train the model.

import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../shared/training';
import type { BackendChoice, EpochSummary, ModelKind, RunConfig } from '../shared/training';
import { selectBackend } from '../server/trainer/backend';
import { loadDataset } from '../server/trainer/datasets';
import type { Dataset } from '../server/trainer/datasets';
import { TrainingLoop } from '../server/trainer/loop';
import { prepareModel } from '../server/trainer/backend-fallback';
import { OptionsError, parseTrainThreads } from '../server/cli/options';
import { findTorchPython, runTorchReference } from './torch-reference';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'mnist' },
    model: { type: 'string', default: 'dense' },
    latent: { type: 'string', default: '32' },
    hidden: { type: 'string', default: '256,128,64' },
    'batch-size': { type: 'string', default: '256' },
    epochs: { type: 'string', default: '2' },
    backend: { type: 'string', default: 'auto' },
    denoise: { type: 'string', default: '0' },
    limit: { type: 'string' },
    'train-threads': { type: 'string', default: '1' },
  },
});

const trainThreads = parseTrainThreadsOrExit(values['train-threads']);

const config: RunConfig = {
  dataset: values.dataset,
  shapesCount: 4000,
  model: values.model as ModelKind,
  hidden: values.hidden.split(',').map(Number),
  latent: Number(values.latent),
  loss: 'bce',
  optimizer: 'adam',
  learningRate: 0.001,
  epsilon: 1e-7,
  batchSize: Number(values['batch-size']),
  epochs: Number(values.epochs),
  validationSplit: 0.1,
  seed: 1,
  backend: values.backend as BackendChoice,
  denoise: Number(values.denoise),
  modelFile: null,
};

const selected = await selectBackend(config.backend);
const dataset = limitTraining(await loadDataset(config), values.limit === undefined ? Infinity : Number(values.limit));
const { model, backend } = await prepareModel(config, dataset, selected, (event) => {
  if (event.type === 'warning') console.log(`warning: ${event.message}`);
});
console.log(`backend ${backend.name} (${backend.reason})`);
console.log(`${dataset.info.name}: ${dataset.info.trainCount} train, ${dataset.info.validationCount} validation; model ${model.layerSizes.join('-')}, batch ${config.batchSize}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, tfjs ${tf.version.tfjs}`);
console.log(`load average at start: ${formatLoad()}`);

const summaries: EpochSummary[] = [];
const loop = new TrainingLoop({
  config,
  dataset,
  model,
  reconstructionEvery: Number.MAX_SAFE_INTEGER,
  runStartedAt: Date.now(),
  trainThreads,
  emit: (event) => {
    if (event.type === 'threads') console.log(`training threads: ${event.count} of ${event.requested} (${event.reason})`);
    if (event.type !== 'epoch') return;
    summaries.push(event.summary);
    const { epoch, samplesPerSecond, trainLoss, validationLoss, seconds, validationReconstructionLoss, validationKlLoss } = event.summary;
    const terms = validationKlLoss === undefined ? '' : ` (reconstruction ${validationReconstructionLoss?.toFixed(4)} + KL ${validationKlLoss.toFixed(4)})`;
    console.log(
      `epoch ${epoch}: ${Math.round(samplesPerSecond)} images/s (${seconds.toFixed(1)} s), ` +
        `train loss ${trainLoss.toFixed(4)}, validation loss ${validationLoss.toFixed(4)}${terms}`,
    );
  },
});
await loop.run();
await loop.close();
console.log(`load average after TensorFlow.js: ${formatLoad()}`);
compareWithTorch();

/** Trains the same model in PyTorch and prints both frameworks' best epoch throughput. */
function compareWithTorch(): void {
  if (config.dataset !== 'mnist' || (config.model !== 'dense' && config.model !== 'deep')) return;
  if (values.limit !== undefined) {
    console.log('PyTorch: not compared, because --limit trains on part of MNIST and the reference trains on all of it');
    return;
  }

  const python = findTorchPython();
  if (!python) {
    console.log('PyTorch: not compared, because no python3 here imports torch (on Debian: apt-get install python3-torch)');
    return;
  }

  const torch = runTorchReference(python, model.layerSizes, config.batchSize, config.epochs, config.learningRate);
  for (const epoch of torch.epochs) {
    console.log(
      `PyTorch ${epoch.torch} epoch ${epoch.epoch}: ${Math.round(epoch.samplesPerSecond)} images/s (${epoch.seconds.toFixed(1)} s, ${epoch.threads} threads), ` +
        `train loss ${epoch.trainLoss.toFixed(4)}, validation loss ${epoch.validationLoss.toFixed(4)}`,
    );
  }

  const best = (rates: number[]) => Math.max(...rates);
  const tfjsRate = best(summaries.map((summary) => summary.samplesPerSecond));
  const torchRate = best(torch.epochs.map((epoch) => epoch.samplesPerSecond));
  console.log(`ratio: TensorFlow.js ${backend.name} reaches ${(tfjsRate / torchRate).toFixed(2)} of PyTorch (best epoch, ${Math.round(tfjsRate)} vs ${Math.round(torchRate)} images/s)`);
}

/** Formats the 1, 5 and 15 minute load averages, which show whether other work shared the CPUs. */
function formatLoad(): string {
  return loadavg().map((load) => load.toFixed(2)).join(', ');
}

/** Returns the `--train-threads` value, or prints why it is invalid and exits with code 2. */
function parseTrainThreadsOrExit(value: string): number {
  try {
    return parseTrainThreads(value);
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

/** Keeps the first `limit` training images, for a quick measurement of a slow model. */
function limitTraining(dataset: Dataset, limit: number): Dataset {
  if (!(limit < dataset.train.count)) return dataset;
  const train = { images: dataset.train.images.subarray(0, limit * IMAGE_PIXELS), labels: dataset.train.labels.subarray(0, limit), count: limit };
  return { ...dataset, train, info: { ...dataset.info, trainCount: limit } };
}
