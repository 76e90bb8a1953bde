import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { WeightTensor } from '../../shared/training';
import type { Checkpoint } from '../../server/checkpoints/checkpoint';
import { CheckpointFormatError } from '../../server/checkpoints/errors';
import { decodeCheckpoint, encodeCheckpoint } from '../../server/checkpoints/format';
import { readCheckpoint, saveCheckpoint } from '../../server/checkpoints/store';
import { selectBackend } from '../../server/trainer/backend';
import { buildAutoencoder, disposeAutoencoder } from '../../server/trainer/model';
import { modelWeights, TINY_RUN, trainedCheckpoint } from '../helpers/checkpoints';

let stateDir: string;
let checkpoint: Checkpoint;

beforeAll(async () => {
  await selectBackend('wasm');
  stateDir = await mkdtemp(join(tmpdir(), 'latentcast-format-'));
  checkpoint = await trainedCheckpoint();
});

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** Shapes and values of weights; layer names differ between two models built in one process. */
function values(weights: WeightTensor[]) {
  return weights.map(({ shape, values }) => ({ shape, values }));
}

/** Returns a copy of the encoded checkpoint with `change` applied to its bytes. */
function damaged(change: (bytes: Buffer) => Buffer): Buffer {
  return change(Buffer.from(encodeCheckpoint(checkpoint)));
}

describe('checkpoint file round trip', () => {
  it('restores identical weights into a new model', async () => {
    const { path } = await saveCheckpoint(stateDir, checkpoint);
    const loaded = await readCheckpoint(path);

    const model = await buildAutoencoder({ ...TINY_RUN, seed: 99 });
    const before = modelWeights(model.decoder);
    for (const [part, weights] of [['encoder', loaded.state.encoder], ['decoder', loaded.state.decoder]] as const) {
      const tensors = weights.map((weight) => tf.tensor(weight.values, weight.shape));
      model[part].setWeights(tensors);
      tf.dispose(tensors);
    }

    expect(values(modelWeights(model.decoder))).not.toEqual(values(before));
    expect(values(modelWeights(model.encoder))).toEqual(values(checkpoint.state.encoder));
    expect(values(modelWeights(model.decoder))).toEqual(values(checkpoint.state.decoder));
    disposeAutoencoder(model);
  });

  it('restores identical optimizer slots', async () => {
    const { path } = await saveCheckpoint(stateDir, checkpoint);
    const loaded = await readCheckpoint(path);

    const optimizer = tf.train.adam(TINY_RUN.learningRate);
    const named = loaded.state.optimizer.map((weight) => ({ name: weight.name, tensor: tf.tensor(weight.values, weight.shape) }));
    await optimizer.setWeights(named);
    const restored = await optimizer.getWeights();

    expect(restored.map(({ name }) => name)).toEqual(checkpoint.state.optimizer.map(({ name }) => name));
    restored.forEach(({ tensor }, index) => expect(Float32Array.from(tensor.dataSync())).toEqual(checkpoint.state.optimizer[index].values));
    named.forEach(({ tensor }) => tensor.dispose());
    optimizer.dispose();
  });

  it('keeps configuration, topology and history', () => {
    expect(decodeCheckpoint(encodeCheckpoint(checkpoint))).toEqual(checkpoint);
  });

  it('keeps the NaN loss of a diverged epoch', () => {
    const diverged = { ...checkpoint.history.epochs[0], trainLoss: NaN };
    const withNaN = { ...checkpoint, history: { ...checkpoint.history, epochs: [diverged] } };
    expect(decodeCheckpoint(encodeCheckpoint(withNaN)).history.epochs[0].trainLoss).toBeNaN();
  });

  it('replaces the previous file and leaves no temporary file', async () => {
    await saveCheckpoint(stateDir, checkpoint);
    const later = { ...checkpoint, state: { ...checkpoint.state, step: 40 } };
    const { path } = await saveCheckpoint(stateDir, later);

    expect((await readCheckpoint(path)).state.step).toBe(40);
    await expect(readFile(`${path}.tmp`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('damaged checkpoint files', () => {
  it('rejects a file cut short', () => {
    const bytes = damaged((file) => file.subarray(0, file.length - 100));
    expect(() => decodeCheckpoint(bytes)).toThrow(CheckpointFormatError);
    expect(() => decodeCheckpoint(bytes)).toThrow(/checksum does not match/);
  });

  it('rejects one changed byte', () => {
    const bytes = damaged((file) => {
      file[file.length - 200] ^= 0xff;
      return file;
    });
    expect(() => decodeCheckpoint(bytes)).toThrow(/checksum does not match/);
  });

  it('rejects a file of another kind', () => {
    expect(() => decodeCheckpoint(Buffer.from('{"not": "a checkpoint"} and some more text to pass the length check'))).toThrow(
      /does not start like a latentcast checkpoint/,
    );
  });

  it('rejects a newer format version', () => {
    const bytes = damaged((file) => {
      file.writeUInt32LE(2, 8);
      return file;
    });
    expect(() => decodeCheckpoint(bytes)).toThrow(/format version 2, and this latentcast reads only version 1/);
  });

  it('names a tensor whose values do not fit its shape', () => {
    const [first, ...rest] = checkpoint.state.encoder;
    const wrong = { ...checkpoint, state: { ...checkpoint.state, encoder: [{ ...first, shape: [3, 3] }, ...rest] } };
    expect(() => decodeCheckpoint(encodeCheckpoint(wrong))).toThrow(/state\.encoder\[0\] has shape \[3, 3\] but 3136 values/);
  });

  it('names a missing configuration field', () => {
    const { latent: _latent, ...config } = checkpoint.config;
    const wrong = { ...checkpoint, config } as unknown as Checkpoint;
    expect(() => decodeCheckpoint(encodeCheckpoint(wrong))).toThrow(/config\.latent is undefined, not a finite number/);
  });

  it('reads a checkpoint without epsilon as the default 1e-7', () => {
    const { epsilon: _epsilon, ...config } = checkpoint.config;
    const older = { ...checkpoint, config } as unknown as Checkpoint;
    expect(decodeCheckpoint(encodeCheckpoint(older)).config.epsilon).toBe(1e-7);
  });

  it('reads an empty file as cut short', async () => {
    const path = join(stateDir, 'empty.ckpt');
    await writeFile(path, '');
    await expect(readCheckpoint(path)).rejects.toThrow(/has 0 bytes, too few for a checkpoint/);
  });
});
