import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { LatentNetwork } from '../../client/src/explorer/latent-network';
import { quantiseSnapshot } from '../../shared/protocol/frames';
import type { ModelSnapshot } from '../../shared/training';
import { denseForward, maxAbsDifference } from '../helpers/dense-forward';
import { convDecoder, denseDecoder, denseEncoder, referenceModel, snapshotOf, vaeEncoder } from '../helpers/models';

/** Returns snapshots of a 784-16-4 encoder and a 4-16-784 decoder, quantised as the host sends them. */
function denseSnapshots(step: number, seed = step): { encoder: ModelSnapshot; decoder: ModelSnapshot } {
  return {
    encoder: quantiseSnapshot(snapshotOf(denseEncoder(tf, 4, seed), step)),
    decoder: quantiseSnapshot(snapshotOf(denseDecoder(tf, 4, seed + 100), step)),
  };
}

const image = Float32Array.from({ length: 784 }, (_, i) => (i % 29) / 28);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('LatentNetwork', () => {
  it('decodes like a plain dense forward pass', async () => {
    const network = new LatentNetwork(tf);
    const { decoder } = denseSnapshots(1);
    await network.setDecoder(decoder);
    const vector = [0.5, 1.5, 0, 2];
    const pixels = await network.decode(vector);
    expect(pixels).toHaveLength(784);
    expect(maxAbsDifference(pixels, denseForward(decoder, vector))).toBeLessThan(1e-5);
    network.dispose();
  });

  it('encodes like a plain dense forward pass', async () => {
    const network = new LatentNetwork(tf);
    const { encoder } = denseSnapshots(2);
    await network.setEncoder(encoder);
    const code = await network.encode(image);
    expect(code).toHaveLength(4);
    expect(maxAbsDifference(code, denseForward(encoder, image))).toBeLessThan(1e-4);
    network.dispose();
  });

  it('decodes with a convolutional decoder', async () => {
    const network = new LatentNetwork(tf);
    const snapshot = quantiseSnapshot(snapshotOf(convDecoder(tf, 3), 7));
    await network.setDecoder(snapshot);
    expect(network.latentSize).toBe(3);

    const vector = [0.3, -1.2, 2];
    const reference = referenceModel(tf, convDecoder(tf, 3), snapshot);
    const expected = tf.tidy(() => (reference.predict(tf.tensor2d([vector])) as tf.Tensor).dataSync());
    reference.dispose();
    const pixels = await network.decode(vector);
    expect(pixels).toHaveLength(784);
    expect(maxAbsDifference(pixels, expected)).toBeLessThan(1e-5);
    network.dispose();
  });

  it('encodes with the mean of a VAE encoder', async () => {
    const network = new LatentNetwork(tf);
    const snapshot = quantiseSnapshot(snapshotOf(vaeEncoder(tf, 3), 8));
    await network.setEncoder(snapshot);

    const reference = referenceModel(tf, vaeEncoder(tf, 3), snapshot);
    const [mean, logVariance] = tf.tidy(() => (reference.predict(tf.tensor4d(image, [1, 28, 28, 1])) as tf.Tensor[]).map((output) => output.dataSync()));
    reference.dispose();
    const code = await network.encode(image);
    expect(code).toHaveLength(3);
    expect(maxAbsDifference(code, mean)).toBeLessThan(1e-5);
    expect(maxAbsDifference(code, logVariance)).toBeGreaterThan(1e-3);
    network.dispose();
  });

  it('updates weights in place when the topology stays', async () => {
    const network = new LatentNetwork(tf);
    await network.setDecoder(denseSnapshots(3).decoder);
    const before = network.numTensors;

    const next = denseSnapshots(4).decoder;
    await network.setDecoder(next);
    expect(network.numTensors).toBe(before);
    expect(network.decoderStep).toBe(4);
    expect(maxAbsDifference(await network.decode([1, 0, 1, 0]), denseForward(next, [1, 0, 1, 0]))).toBeLessThan(1e-5);
    network.dispose();
  });

  it('rebuilds the model when the topology changes', async () => {
    const network = new LatentNetwork(tf);
    await network.setDecoder(denseSnapshots(5).decoder);
    expect(network.latentSize).toBe(4);

    await network.setDecoder(quantiseSnapshot(snapshotOf(convDecoder(tf, 6), 6)));
    expect(network.latentSize).toBe(6);
    expect(network.decoderStep).toBe(6);
    expect(await network.decode([0, 0, 0, 0, 0, 0])).toHaveLength(784);
    network.dispose();
  });

  it('keeps the tensor count flat over many decodes and weight swaps', async () => {
    const network = new LatentNetwork(tf);
    const snapshots = denseSnapshots(10);
    await network.setDecoder(snapshots.decoder);
    await network.setEncoder(snapshots.encoder);
    await network.decode([0, 0, 0, 0]);
    const before = network.numTensors;

    for (let i = 0; i < 200; i++) {
      await network.decode([i / 100, 1, 0, 0.5]);
      await network.reconstruct(new Float32Array(784).fill(i / 200));
      if (i % 50 === 0) await network.setDecoder(denseSnapshots(20 + i).decoder);
      if (i === 100) await network.setDecoder(quantiseSnapshot(snapshotOf(convDecoder(tf, 4), 11)));
    }
    await network.setDecoder(snapshots.decoder);
    expect(network.numTensors).toBe(before);
    network.dispose();
    // Two Dense layers of a kernel and a bias each, in the encoder and in the decoder.
    expect(network.numTensors).toBe(before - 8);
  });

  it('applies snapshots in the order they were set', async () => {
    const network = new LatentNetwork(tf);
    const conv = quantiseSnapshot(snapshotOf(convDecoder(tf, 4), 30));
    const dense = denseSnapshots(31).decoder;
    // The rebuild for the first snapshot takes longer than the in-place update would.
    const first = network.setDecoder(conv);
    const second = network.setDecoder(dense);
    await Promise.all([first, second]);
    expect(network.decoderStep).toBe(31);
    expect(maxAbsDifference(await network.decode([1, 1, 0, 0]), denseForward(dense, [1, 1, 0, 0]))).toBeLessThan(1e-5);
    network.dispose();
  });

  it('reports the step of the weights in use', async () => {
    const network = new LatentNetwork(tf);
    expect(network.decoderStep).toBeNull();
    await network.setDecoder(denseSnapshots(42).decoder);
    expect(network.decoderStep).toBe(42);
    expect(network.latentSize).toBe(4);
    network.dispose();
  });

  it('rejects a vector of the wrong size', async () => {
    const network = new LatentNetwork(tf);
    await network.setDecoder(denseSnapshots(43).decoder);
    await expect(network.decode([1, 2])).rejects.toThrow(/2 values; this model takes 4/);
    network.dispose();
  });

  it('rejects a vector with NaN', async () => {
    const network = new LatentNetwork(tf);
    await network.setDecoder(denseSnapshots(44).decoder);
    await expect(network.decode([1, NaN, 0, 0])).rejects.toThrow(/value 2 .* NaN/);
    network.dispose();
  });

  it('rejects decoding before weights arrive', async () => {
    await expect(new LatentNetwork(tf).decode([1])).rejects.toThrow(/before the host has sent decoder weights/);
  });

  it('rejects weights that do not fit the topology', async () => {
    const { decoder } = denseSnapshots(45);
    const broken = { ...decoder, weights: [decoder.weights[2], decoder.weights[3], decoder.weights[0], decoder.weights[1]] };
    const network = new LatentNetwork(tf);
    const before = network.numTensors;
    await expect(network.setDecoder(broken)).rejects.toThrow(/weight 1 \(dense_Dense\d+\/kernel\) has shape \[16,784\] but the model expects \[4,16\]/);
    expect(network.canDecode).toBe(false);
    expect(network.numTensors).toBe(before);
  });

  it('rejects a decoder whose output is no image', async () => {
    const network = new LatentNetwork(tf);
    await expect(network.setDecoder(quantiseSnapshot(snapshotOf(denseEncoder(tf, 4), 46)))).rejects.toThrow(/decoder has shape \[4\] at its image end/);
  });
});
