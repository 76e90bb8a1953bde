// The gallery's decoder on the host's main-thread TensorFlow.js, against
// snapshots of a dense and a conv-like decoder.

import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';

import { DECODE_PASS_SIZE, SnapshotDecoder } from '../../server/gallery/snapshot-decoder';
import { mainThreadTensorFlow } from '../../server/tensorflow/main-thread';
import type { MainThreadTensorFlow } from '../../server/tensorflow/main-thread';
import { quantiseSnapshot } from '../../shared/protocol/frames';
import type { ModelSnapshot } from '../../shared/training';
import { denseForward } from '../helpers/dense-forward';
import { convDecoder, denseDecoder, denseEncoder, referenceModel, snapshotOf } from '../helpers/models';

let loaded: MainThreadTensorFlow;

beforeAll(async () => {
  loaded = await mainThreadTensorFlow(pino({ level: 'silent' }));
});

function newDecoder(passes: number[] = []): SnapshotDecoder {
  return new SnapshotDecoder(async () => loaded.tf, (vectors) => passes.push(vectors));
}

/** `count` latent vectors of `size` values from a fixed sequence. */
function latents(count: number, size: number, offset = 0): Float32Array {
  return Float32Array.from({ length: count * size }, (_, i) => Math.sin((i + offset) * 0.77) * 2);
}

const toByte = (value: number) => Math.round(Math.min(1, Math.max(0, value)) * 255);

describe('SnapshotDecoder', () => {
  it('runs on WASM and says so', () => {
    // The WASM backend ships inside the npm package, so it starts on every supported machine.
    expect(loaded.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('decodes a dense snapshot like the reference pass', async () => {
    const snapshot = quantiseSnapshot(snapshotOf(denseDecoder(tf, 4), 10));
    const decoder = newDecoder();
    const z = latents(3, 4);
    const pixels = await decoder.decode(snapshot, z, 3);

    expect(pixels).toHaveLength(3 * 784);
    for (let row = 0; row < 3; row++) {
      const reference = denseForward(snapshot, z.subarray(row * 4, row * 4 + 4));
      const differences = Array.from(reference, (value, i) => Math.abs(toByte(value) - pixels[row * 784 + i]));
      // float32 on the backend against float64 here: a value on a rounding boundary may land one level away.
      expect(Math.max(...differences)).toBeLessThanOrEqual(1);
    }
    decoder.dispose();
  });

  it('decodes a conv-like snapshot like the model it came from', async () => {
    const snapshot = quantiseSnapshot(snapshotOf(convDecoder(tf, 3), 11));
    const decoder = newDecoder();
    const z = latents(2, 3);
    const pixels = await decoder.decode(snapshot, z, 2);

    const reference = referenceModel(tf, convDecoder(tf, 3), snapshot);
    const expected = tf.tidy(() => (reference.predict(tf.tensor2d(z, [2, 3])) as tf.Tensor).dataSync());
    reference.dispose();
    expect(Array.from(pixels)).toEqual(Array.from(expected, toByte));
    decoder.dispose();
  });

  it('gives a vector the same image alone and in a large batch', async () => {
    const snapshot = quantiseSnapshot(snapshotOf(convDecoder(tf, 3), 12));
    const passes: number[] = [];
    const decoder = newDecoder(passes);
    const count = 2 * DECODE_PASS_SIZE + 5;
    const z = latents(count, 3, 40);

    const batch = await decoder.decode(snapshot, z, count);
    expect(passes).toEqual([DECODE_PASS_SIZE, DECODE_PASS_SIZE, 5]);
    for (const row of [0, DECODE_PASS_SIZE - 1, DECODE_PASS_SIZE, count - 1]) {
      const alone = await decoder.decode(snapshot, z.slice(row * 3, row * 3 + 3), 1);
      expect(Array.from(alone)).toEqual(Array.from(batch.subarray(row * 784, (row + 1) * 784)));
    }
    decoder.dispose();
  });

  it('decodes the same bytes after a rebuild', async () => {
    const snapshot = quantiseSnapshot(snapshotOf(convDecoder(tf, 3), 13));
    const other = quantiseSnapshot(snapshotOf(denseDecoder(tf, 3), 14));
    const decoder = newDecoder();
    const z = latents(4, 3, 7);

    const first = await decoder.decode(snapshot, z, 4);
    await decoder.decode(other, z, 4);
    const again = await decoder.decode(structuredClone(snapshot), z, 4);
    expect(Array.from(again)).toEqual(Array.from(first));
    decoder.dispose();
  });

  it('keeps the tensor count flat across decodes and snapshots', async () => {
    const decoder = newDecoder();
    const dense = (step: number) => quantiseSnapshot(snapshotOf(denseDecoder(tf, 4, step), step));
    await decoder.decode(dense(20), latents(1, 4), 1);
    const before = tf.memory().numTensors;

    for (let i = 0; i < 30; i++) {
      await decoder.decode(dense(21 + i), latents(70, 4, i), 70);
      if (i === 10) await decoder.decode(quantiseSnapshot(snapshotOf(convDecoder(tf, 4), 60)), latents(3, 4), 3);
    }
    expect(tf.memory().numTensors).toBe(before);
    decoder.dispose();
    expect(tf.memory().numTensors).toBe(before - 4);
  });

  it('rejects vectors that do not fit the decoder input', async () => {
    const decoder = newDecoder();
    const snapshot = quantiseSnapshot(snapshotOf(denseDecoder(tf, 4), 30));
    await expect(decoder.decode(snapshot, new Float32Array(6), 2)).rejects.toThrow(/2 latent vectors need 8 numbers for this decoder's input of 4, got 6/);
    decoder.dispose();
  });

  it('rejects a decoder that outputs no image, every time', async () => {
    const decoder = newDecoder();
    const before = tf.memory().numTensors;
    const snapshot: ModelSnapshot = quantiseSnapshot(snapshotOf(denseEncoder(tf, 4), 31));
    await expect(decoder.decode(snapshot, new Float32Array(784), 1)).rejects.toThrow(/outputs shape \[1,4\], 4 values per vector; an image needs 784/);
    await expect(decoder.decode(snapshot, new Float32Array(784), 1)).rejects.toThrow(/an image needs 784/);
    decoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a snapshot whose weights do not fit its topology', async () => {
    const decoder = newDecoder();
    const snapshot = quantiseSnapshot(snapshotOf(denseDecoder(tf, 4), 32));
    const broken = { ...snapshot, weights: snapshot.weights.slice(0, 3) };
    await expect(decoder.decode(broken, new Float32Array(4), 1)).rejects.toThrow(/the snapshot has 3 weight tensors but its model has 4/);
    decoder.dispose();
  });
});
