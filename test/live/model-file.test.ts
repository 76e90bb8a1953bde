// The model-file contract as the training worker applies it: a valid file
// trains, and each kind of broken file fails the worker's start with a message
// and the line in the file.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunConfig } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import { TrainerStartError, TrainerThread } from '../../server/trainer/trainer-thread';
import { waitFor } from '../helpers/host';

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'latentcast-model-file-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A dense 784-32-8-32-784 model; line numbers in the cases below count from its first line. */
const VALID_TS = `import type * as tfjs from '@tensorflow/tfjs';

export default function model(tf: typeof tfjs, config: { latent: number; pixels: number }) {
  const encoder = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [config.pixels], units: 32, activation: 'relu' }),
      tf.layers.dense({ units: config.latent, activation: 'relu' }),
    ],
  });
  const decoder = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [config.latent], units: 32, activation: 'relu' }),
      tf.layers.dense({ units: 784, activation: 'sigmoid' }),
    ],
  });
  return { encoder, decoder };
}
`;

function runConfig(modelFile: string): RunConfig {
  return {
    dataset: 'shapes',
    shapesCount: 200,
    model: 'file',
    hidden: [],
    latent: 8,
    loss: 'bce',
    optimizer: 'adam',
    learningRate: 0.001,
    epsilon: 1e-7,
    batchSize: 16,
    epochs: 1000,
    validationSplit: 0.1,
    seed: 1,
    backend: 'wasm',
    denoise: 0,
    modelFile,
  };
}

async function writeModel(name: string, source: string): Promise<string> {
  const file = join(folder, name);
  await writeFile(file, source);
  return file;
}

/** Starts a worker on `file` and returns the error its start failed with. */
async function startFailure(file: string): Promise<TrainerStartError> {
  const trainer = new TrainerThread({ config: runConfig(file), reconstructionEvery: 50, resume: null });
  try {
    await trainer.ready;
  } catch (error) {
    return error as TrainerStartError;
  } finally {
    await trainer.stop();
  }
  throw new Error(`the worker started on ${file}, but the file is broken`);
}

describe('model file in the training worker', () => {
  it('trains a valid TypeScript file', async () => {
    const file = await writeModel('valid.ts', VALID_TS);
    const trainer = new TrainerThread({ config: runConfig(file), reconstructionEvery: 50, resume: null });
    const events: WorkerEvent[] = [];
    trainer.on('event', (event) => events.push(event));

    const ready = await trainer.ready;
    expect(ready.layerSizes).toEqual([784, 32, 8, 32, 784]);
    await waitFor('training steps', () => events.some((event) => event.type === 'steps'));
    await trainer.stop();
  });

  it('loads a JavaScript file with a named export', async () => {
    const source = VALID_TS.replace("import type * as tfjs from '@tensorflow/tfjs';\n", '\n')
      .replace('export default function model(tf: typeof tfjs, config: { latent: number; pixels: number })', 'export function model(tf, config)');
    const file = await writeModel('named.mjs', source);
    const trainer = new TrainerThread({ config: runConfig(file), reconstructionEvery: 50, resume: null });
    const ready = await trainer.ready;
    expect(ready.layerSizes).toEqual([784, 32, 8, 32, 784]);
    await trainer.stop();
  });

  it('trains the example model file', async () => {
    const file = fileURLToPath(new URL('../../examples/model.ts', import.meta.url));
    const trainer = new TrainerThread({ config: runConfig(file), reconstructionEvery: 50, resume: null });
    const ready = await trainer.ready;
    expect(ready.layerSizes).toEqual([784, 128, 32, 8, 32, 128, 784]);
    await trainer.stop();
  });

  it('flattens a decoder that outputs 28x28x1', async () => {
    const source = VALID_TS.replace(
      "      tf.layers.dense({ units: 784, activation: 'sigmoid' }),\n",
      "      tf.layers.dense({ units: 784, activation: 'sigmoid' }),\n      tf.layers.reshape({ targetShape: [28, 28, 1] }),\n",
    );
    const file = await writeModel('image-decoder.ts', source);
    const trainer = new TrainerThread({ config: runConfig(file), reconstructionEvery: 50, resume: null });
    const ready = await trainer.ready;
    expect(ready.layerSizes).toEqual([784, 32, 8, 32, 784]);
    await trainer.stop();
  });

  it('passes the fatal event a location', async () => {
    const file = await writeModel('fatal.ts', VALID_TS.replace('  return { encoder, decoder };', "  throw new Error('not yet');"));
    const trainer = new TrainerThread({ config: runConfig(file), reconstructionEvery: 50, resume: null });
    const fatal = new Promise<WorkerEvent>((resolve) => trainer.on('event', (event) => event.type === 'fatal' && resolve(event)));
    await trainer.ready.catch(() => {});

    expect(await fatal).toMatchObject({ type: 'fatal', location: { file, line: 16 } });
    await trainer.stop();
  });

  const failures: { name: string; file: string; source: string; message: RegExp; line: number; column?: number }[] = [
    {
      name: 'TypeScript syntax error',
      file: 'syntax.ts',
      source: VALID_TS.replace("units: 32, activation: 'relu' }),\n      tf.layers.dense({ units: config.latent", "units: 32, activation: 'relu' }),\n      tf.layers.dense({ units: config.latent,,"),
      message: /^syntax error in syntax\.ts: /,
      line: 7,
      column: 46,
    },
    {
      name: 'JavaScript syntax error',
      file: 'syntax.mjs',
      source: 'export default function model(tf, config) {\n  const encoder = ;\n}\n',
      message: /^syntax error in syntax\.mjs: Unexpected token ';'/,
      line: 2,
      column: 19,
    },
    {
      name: 'exception in the function',
      file: 'throws.ts',
      source: VALID_TS.replace('  return { encoder, decoder };', "  throw new RangeError('the decoder is unfinished');"),
      message: /^throws\.ts threw RangeError while building the model: the decoder is unfinished$/,
      line: 16,
      column: 9,
    },
    {
      name: 'exception on import',
      file: 'top-level.ts',
      source: `const sizes: number[] = JSON.parse('not json');\n${VALID_TS}`,
      message: /^top-level\.ts threw SyntaxError while loading: /,
      line: 1,
    },
    {
      name: 'TensorFlow.js error from a layer call',
      file: 'no-input-shape.ts',
      source: VALID_TS.replace('tf.layers.dense({ inputShape: [config.pixels], units: 32', 'tf.layers.dense({ units: 32'),
      message: /^no-input-shape\.ts threw .* while building the model: .*inputShape/,
      line: 4,
    },
    {
      name: 'encoder output other than the latent size',
      file: 'latent.ts',
      source: VALID_TS.replace('tf.layers.dense({ units: config.latent, activation', 'tf.layers.dense({ units: 5, activation'),
      message: /outputs shape \[5\], but the latent size is 8; .*--latent 5/,
      line: 7,
    },
    {
      name: 'encoder input that is not flat',
      file: 'image-input.ts',
      source: VALID_TS.replace('inputShape: [config.pixels]', 'inputShape: [28, 28, 1]'),
      message: /takes input shape \[28, 28, 1\]; it must take flat images of 784 pixels\. .*tf\.layers\.reshape\(\{ targetShape: config\.imageShape/,
      line: 6,
    },
    {
      name: 'decoder input other than the latent size',
      file: 'decoder-input.ts',
      source: VALID_TS.replace('inputShape: [config.latent]', 'inputShape: [3]'),
      message: /the decoder from decoder-input\.ts takes input shape \[3\], but the latent size is 8/,
      line: 12,
    },
    {
      name: 'decoder output that is no image',
      file: 'decoder-output.ts',
      source: VALID_TS.replace("units: 784, activation: 'sigmoid'", "units: 100, activation: 'sigmoid'"),
      message: /the decoder from decoder-output\.ts outputs shape \[100\]; it must output an image as \[784\], \[28, 28\] or \[28, 28, 1\]/,
      line: 13,
    },
    {
      name: 'nothing returned',
      file: 'no-return.ts',
      source: VALID_TS.replace('  return { encoder, decoder };', ''),
      message: /the function that no-return\.ts exports returned undefined; return \{ encoder, decoder \}/,
      line: 3,
    },
    {
      name: 'a layer in place of a model',
      file: 'layer.ts',
      source: VALID_TS.replace('return { encoder, decoder };', "return { encoder: tf.layers.dense({ units: 8 }), decoder };"),
      message: /the encoder from layer\.ts is a Dense layer, not a model; wrap the layers in tf\.sequential/,
      line: 16,
    },
    {
      name: 'import that cannot be found',
      file: 'missing-import.ts',
      source: `import { helper } from './helpers-not-written-yet.ts';\n${VALID_TS.replace('return { encoder, decoder };', 'return helper(encoder, decoder);')}`,
      message: /^missing-import\.ts imports \.\/helpers-not-written-yet\.ts, which cannot be found: /,
      line: 1,
    },
  ];

  it.each(failures)('reports $name with its line', async ({ file, source, message, line, column }) => {
    const path = await writeModel(file, source);
    const error = await startFailure(path);

    expect(error).toBeInstanceOf(TrainerStartError);
    expect(error.message).toMatch(message);
    expect(error.location?.file).toBe(path);
    expect(error.location?.line).toBe(line);
    if (column !== undefined) expect(error.location?.column).toBe(column);
  });

  it('reports a file without an exported function', async () => {
    const error = await startFailure(await writeModel('no-export.ts', 'const model = 1;\nexport { model };\n'));
    expect(error.message).toBe(
      'no-export.ts exports model but no function; export the model function as its default export: ' +
        'export default function (tf, config) { ...; return { encoder, decoder }; }',
    );
  });
});
