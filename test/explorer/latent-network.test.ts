import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';

import { LatentNetwork } from '../../client/src/explorer/latent-network';
import { quantiseNetwork } from '../../shared/protocol/frames';
import type { DenseLayerWeights, NetworkWeights } from '../../shared/training';
import { denseForward, maxAbsDifference } from '../helpers/dense-forward';

function randomLayer(inputs: number, units: number, activation: DenseLayerWeights['activation'], random: () => number): DenseLayerWeights {
  const kernel = Float32Array.from({ length: inputs * units }, () => (random() - 0.5) * 0.4);
  const bias = Float32Array.from({ length: units }, () => (random() - 0.5) * 0.2);
  return { inputs, units, activation, kernel, bias };
}

/** Returns a 784-16-4 encoder and a 4-16-784 decoder, quantised as the host sends them. */
function randomNetworks(step: number): { encoder: NetworkWeights; decoder: NetworkWeights } {
  const random = seedrandom(`network-${step}`);
  const encoder = { step, layers: [randomLayer(784, 16, 'relu', random), randomLayer(16, 4, 'relu', random)] };
  const decoder = { step, layers: [randomLayer(4, 16, 'relu', random), randomLayer(16, 784, 'sigmoid', random)] };
  return { encoder: quantiseNetwork(encoder), decoder: quantiseNetwork(decoder) };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('LatentNetwork', () => {
  it('decodes like a plain dense forward pass', async () => {
    const network = new LatentNetwork(tf);
    const { decoder } = randomNetworks(1);
    network.setDecoder(decoder);
    const vector = [0.5, 1.5, 0, 2];
    const pixels = await network.decode(vector);
    expect(pixels).toHaveLength(784);
    expect(maxAbsDifference(pixels, denseForward(decoder, vector))).toBeLessThan(1e-5);
    network.dispose();
  });

  it('encodes like a plain dense forward pass', async () => {
    const network = new LatentNetwork(tf);
    const { encoder } = randomNetworks(2);
    network.setEncoder(encoder);
    const image = Float32Array.from({ length: 784 }, (_, i) => (i % 29) / 28);
    const code = await network.encode(image);
    expect(code).toHaveLength(4);
    expect(maxAbsDifference(code, denseForward(encoder, image))).toBeLessThan(1e-4);
    network.dispose();
  });

  it('keeps the tensor count flat over many decodes and weight swaps', async () => {
    const network = new LatentNetwork(tf);
    const networks = randomNetworks(3);
    network.setDecoder(networks.decoder);
    network.setEncoder(networks.encoder);
    await network.decode([0, 0, 0, 0]);
    const before = network.numTensors;

    for (let i = 0; i < 200; i++) {
      await network.decode([i / 100, 1, 0, 0.5]);
      await network.reconstruct(new Float32Array(784).fill(i / 200));
      if (i % 50 === 0) network.setDecoder(randomNetworks(10 + i).decoder);
    }
    expect(network.numTensors).toBe(before);
    network.dispose();
    expect(network.numTensors).toBe(before - 8);
  });

  it('reports the step of the weights in use', () => {
    const network = new LatentNetwork(tf);
    expect(network.decoderStep).toBeNull();
    network.setDecoder(randomNetworks(42).decoder);
    expect(network.decoderStep).toBe(42);
    expect(network.latentSize).toBe(4);
    network.dispose();
  });

  it('rejects a vector of the wrong size', async () => {
    const network = new LatentNetwork(tf);
    network.setDecoder(randomNetworks(4).decoder);
    await expect(network.decode([1, 2])).rejects.toThrow(/2 values; this model takes 4/);
    network.dispose();
  });

  it('rejects a vector with NaN', async () => {
    const network = new LatentNetwork(tf);
    network.setDecoder(randomNetworks(5).decoder);
    await expect(network.decode([1, NaN, 0, 0])).rejects.toThrow(/value 2 .* NaN/);
    network.dispose();
  });

  it('rejects decoding before weights arrive', async () => {
    await expect(new LatentNetwork(tf).decode([1])).rejects.toThrow(/before the host has sent decoder weights/);
  });

  it('rejects weights whose layers do not chain', () => {
    const { decoder } = randomNetworks(6);
    const broken = { step: 6, layers: [decoder.layers[1], decoder.layers[0]] };
    expect(() => new LatentNetwork(tf).setDecoder(broken)).toThrow(/takes 4 inputs but layer 1 has 784 units/);
  });
});
