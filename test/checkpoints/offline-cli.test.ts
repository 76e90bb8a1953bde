// `npm run train` and `npm run export` as a user runs them, in child processes.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { IMAGE_PIXELS } from '../../shared/training';
import { currentCheckpointPath, readCheckpoint } from '../../server/checkpoints/store';
import { RESULT_PREFIX, TRAIN_FLAGS } from '../../server/cli/offline-options';
import { selectBackend } from '../../server/trainer/backend';

const TINY_RUN = ['--shapes-count', '400', '--batch-size', '32', '--latent', '6', '--backend', 'wasm'];

let folder: string;
let stateDir: string;
/** Output of the training run that the tests share. */
let training: CommandResult;

interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run --silent SCRIPT -- ARGS` in the repository and resolves when it exits. */
function npmRun(script: string, args: string[]): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], { env: { ...process.env, LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Loads an exported model.json and its weights file as `tf.loadLayersModel` does from a URL. */
async function loadExported(modelFolder: string): Promise<tf.LayersModel> {
  const modelJson = JSON.parse(await readFile(join(modelFolder, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const [manifest] = modelJson.weightsManifest;
  const weights = await readFile(join(modelFolder, manifest.paths[0]));
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: manifest.weights, weightData }));
}

beforeAll(async () => {
  await selectBackend('wasm');
  folder = await mkdtemp(join(tmpdir(), 'latentcast-offline-'));
  stateDir = join(folder, 'state');
  training = await npmRun('train', ['--fresh', ...TINY_RUN, '--epochs', '2', '--state-dir', stateDir, '--out', join(folder, 'trained')]);
}, 180_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('npm run train', () => {
  it('exits with 0', () => {
    expect(training.stderr).toBe('');
    expect(training.code).toBe(0);
  });

  it('prints train and validation loss after each epoch', () => {
    const lines = training.stdout.split('\n');
    expect(lines.filter((line) => /^Epoch 1\/2 {2}train loss \d\.\d{5} {2}validation loss \d\.\d{5}/.test(line))).toHaveLength(1);
    expect(lines.filter((line) => /^Epoch 2\/2 {2}train loss \d\.\d{5} {2}validation loss \d\.\d{5}/.test(line))).toHaveLength(1);
  });

  it('ends with the result as one JSON line', async () => {
    const last = training.stdout.trimEnd().split('\n').at(-1)!;
    expect(last.startsWith(RESULT_PREFIX)).toBe(true);

    const result = JSON.parse(last.slice(RESULT_PREFIX.length));
    const checkpoint = await readCheckpoint(currentCheckpointPath(stateDir));
    expect(result).toMatchObject({ epoch: 2, epochs: 2, step: checkpoint.state.step, loss: 'bce', layerSizes: [784, 6, 784] });
    expect(result.validationLoss).toBe(checkpoint.history.epochs.at(-1)!.validationLoss);
  });

  it('writes the export files', async () => {
    const listed = training.stdout.split('\n').filter((line) => line.startsWith('  ')).map((line) => line.trim());
    expect(listed).toEqual([
      'encoder/model.json',
      'encoder/weights.bin',
      'decoder/model.json',
      'decoder/weights.bin',
      'autoencoder/model.json',
      'autoencoder/weights.bin',
      'reconstructions.png',
      'loss-steps.csv',
      'loss-epochs.csv',
      'run.json',
    ]);
    for (const file of listed) expect((await readFile(join(folder, 'trained', file))).length).toBeGreaterThan(0);
  });

  it('lists every flag in --help', async () => {
    const { code, stdout } = await npmRun('train', ['--help']);
    expect(code).toBe(0);
    for (const flag of Object.keys(TRAIN_FLAGS)) expect(stdout).toContain(`--${flag}`);
    expect(stdout).not.toContain('--port');
  });

  it('rejects a server flag with a pointer to --help', async () => {
    const { code, stderr } = await npmRun('train', ['--port', '3000']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Unknown option '--port'.*npm run train -- --help/);
  });
});

describe('npm run export', () => {
  let out: string;
  let exported: CommandResult;

  beforeAll(async () => {
    out = join(folder, 'exported');
    exported = await npmRun('export', ['--state-dir', stateDir, '--out', out]);
  }, 120_000);

  it('exits with 0', () => {
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
  });

  it('writes models that load with the checkpoint weights', async () => {
    const checkpoint = await readCheckpoint(currentCheckpointPath(stateDir));
    for (const part of ['encoder', 'decoder'] as const) {
      const model = await loadExported(join(out, part));
      const loaded = model.getWeights().map((tensor) => Float32Array.from(tensor.dataSync()));
      expect(loaded).toEqual(checkpoint.state[part].map((tensor) => tensor.values));
      model.dispose();
    }
  });

  it('writes models that run end to end', async () => {
    const [encoder, decoder, autoencoder] = await Promise.all(['encoder', 'decoder', 'autoencoder'].map((part) => loadExported(join(out, part))));
    const images = tf.randomUniform([3, IMAGE_PIXELS], 0, 1, 'float32', 5);
    const codes = encoder.predict(images) as tf.Tensor;
    const decoded = decoder.predict(codes) as tf.Tensor;
    const reconstructed = autoencoder.predict(images) as tf.Tensor;

    expect(codes.shape).toEqual([3, 6]);
    expect(reconstructed.shape).toEqual([3, IMAGE_PIXELS]);
    expect(tf.max(tf.abs(tf.sub(reconstructed, decoded))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([images, codes, decoded, reconstructed]);
    [encoder, decoder, autoencoder].forEach((model) => model.dispose());
  });

  it('writes the loss history as CSV', async () => {
    const checkpoint = await readCheckpoint(currentCheckpointPath(stateDir));
    const steps = (await readFile(join(out, 'loss-steps.csv'), 'utf8')).trimEnd().split('\n');
    const epochs = (await readFile(join(out, 'loss-epochs.csv'), 'utf8')).trimEnd().split('\n');

    expect(steps[0]).toBe('step,loss,elapsed_ms');
    expect(steps).toHaveLength(checkpoint.history.losses.steps.length + 1);
    expect(Number(steps[1].split(',')[1])).toBeCloseTo(checkpoint.history.losses.losses[0], 6);
    expect(epochs[0]).toBe('epoch,step,train_loss,validation_loss,seconds,images_per_second');
    expect(epochs.slice(1).map((line) => Number(line.split(',')[0]))).toEqual([1, 2]);
  });

  it('writes one column per probe in the reconstruction sheet', async () => {
    const checkpoint = await readCheckpoint(currentCheckpointPath(stateDir));
    const { width, height } = await sharp(join(out, 'reconstructions.png')).metadata();
    const count = checkpoint.history.probes!.count;
    expect(width).toBe(count * 112 + (count + 1) * 4);
    expect(height).toBe(2 * 112 + 3 * 4);
  });

  it('names the missing checkpoint and the fix', async () => {
    const { code, stderr } = await npmRun('export', ['--state-dir', join(folder, 'empty'), '--out', join(folder, 'nothing')]);
    expect(code).toBe(1);
    expect(stderr).toContain(`there is no checkpoint at ${currentCheckpointPath(join(folder, 'empty'))}`);
    expect(stderr).toContain('npm run train');
  });
});
