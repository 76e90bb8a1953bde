import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../server/trainer/backend';
import { buildAutoencoder, describeAutoencoder, disposeAutoencoder, ModelShapeError } from '../../server/trainer/model';

beforeAll(async () => {
  await selectBackend('wasm');
});

const outputShapes = (model: tf.LayersModel) => model.layers.map((layer) => layer.outputShape);

describe('autoencoder models', () => {
  it('builds dense as 784-L-784', async () => {
    const model = await buildAutoencoder({ model: 'dense', hidden: [256], latent: 32, seed: 1 });
    expect(model.layerSizes).toEqual([784, 32, 784]);
    expect(model.encoder.outputs[0].shape).toEqual([null, 32]);
    expect(model.decoder.outputs[0].shape).toEqual([null, 784]);
    expect(model.variational).toBe(false);
    disposeAutoencoder(model);
  });

  it('builds deep with the hidden sizes mirrored around the latent', async () => {
    const model = await buildAutoencoder({ model: 'deep', hidden: [256, 128, 64], latent: 8, seed: 1 });
    expect(model.layerSizes).toEqual([784, 256, 128, 64, 8, 64, 128, 256, 784]);
    expect(model.encoder.layers).toHaveLength(4);
    expect(model.decoder.layers).toHaveLength(4);
    disposeAutoencoder(model);
  });

  it('builds conv as the Keras blog model', async () => {
    const model = await buildAutoencoder({ model: 'conv', hidden: [], latent: 16, seed: 1 });
    expect(model.encoder.inputs[0].shape).toEqual([null, 784]);
    expect(outputShapes(model.encoder)).toEqual([
      [null, 28, 28, 1],
      [null, 28, 28, 16],
      [null, 14, 14, 16],
      [null, 14, 14, 8],
      [null, 7, 7, 8],
      [null, 7, 7, 8],
      [null, 4, 4, 8],
      [null, 128],
      [null, 16],
    ]);
    expect(outputShapes(model.decoder)).toEqual([
      [null, 128],
      [null, 4, 4, 8],
      [null, 4, 4, 8],
      [null, 8, 8, 8],
      [null, 8, 8, 8],
      [null, 16, 16, 8],
      [null, 14, 14, 16],
      [null, 28, 28, 16],
      [null, 28, 28, 1],
      [null, 784],
    ]);
    expect(model.layerSizes).toEqual([784, 12544, 3136, 1568, 392, 392, 128, 16, 128, 128, 512, 512, 2048, 3136, 12544, 784]);
    expect(model.variational).toBe(false);
    disposeAutoencoder(model);
  });

  it('builds conv 128 as the exact Keras blog model', async () => {
    const model = await buildAutoencoder({ model: 'conv', hidden: [], latent: 128, seed: 1 });
    expect(outputShapes(model.encoder).slice(-2)).toEqual([
      [null, 4, 4, 8],
      [null, 128],
    ]);
    expect(outputShapes(model.decoder).slice(0, 2)).toEqual([
      [null, 4, 4, 8],
      [null, 4, 4, 8],
    ]);
    const layerKinds = [...model.encoder.layers, ...model.decoder.layers].map((layer) => layer.getClassName());
    expect(layerKinds).not.toContain('Dense');
    // The post's seven convolutions have 4,385 weights in all, and no dense layer adds more.
    expect(model.encoder.countParams() + model.decoder.countParams()).toBe(4385);
    disposeAutoencoder(model);
  });

  it('builds vae with mean first', async () => {
    const model = await buildAutoencoder({ model: 'vae', hidden: [128, 64], latent: 2, seed: 1 });
    expect(model.variational).toBe(true);
    expect(model.encoder.outputs.map((output) => output.shape)).toEqual([
      [null, 2],
      [null, 2],
    ]);
    expect(model.encoder.outputLayers.map((layer) => layer.name)).toEqual(['z_mean', 'z_log_var']);
    expect(model.decoder.inputs[0].shape).toEqual([null, 2]);
    expect(model.decoder.outputs[0].shape).toEqual([null, 784]);
    expect(model.layerSizes).toEqual([784, 128, 64, 2, 64, 128, 784]);
    disposeAutoencoder(model);
  });

  it('seeds the initial weights', async () => {
    const first = await buildAutoencoder({ model: 'conv', hidden: [], latent: 4, seed: 7 });
    const second = await buildAutoencoder({ model: 'conv', hidden: [], latent: 4, seed: 7 });
    const firstWeights = first.decoder.getWeights().map((weight) => Array.from(weight.dataSync()));
    const secondWeights = second.decoder.getWeights().map((weight) => Array.from(weight.dataSync()));
    expect(secondWeights).toEqual(firstWeights);
    disposeAutoencoder(first);
    disposeAutoencoder(second);
  });

  it.each(['dense', 'conv', 'vae'] as const)('decodes %s latents to pixels', async (kind) => {
    const model = await buildAutoencoder({ model: kind, hidden: [32], latent: 4, seed: 1 });
    const image = tf.tidy(() => model.decoder.predict(tf.randomNormal([1, 4])) as tf.Tensor);
    const pixels = image.dataSync();
    expect(pixels).toHaveLength(784);
    expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    image.dispose();
    disposeAutoencoder(model);
  });

  it('rejects a wrong encoder output', () => {
    const encoder = tf.sequential({ layers: [tf.layers.dense({ units: 16, inputShape: [784] })] });
    const decoder = tf.sequential({ layers: [tf.layers.dense({ units: 784, inputShape: [8] })] });
    expect(() => describeAutoencoder({ encoder, decoder }, 8)).toThrow(ModelShapeError);
    expect(() => describeAutoencoder({ encoder, decoder }, 8)).toThrow(
      'the encoder output has shape [batch, 16], but the trainer needs [batch, 8]; make the model end in 8 units, the latent size (--latent 8).',
    );
    encoder.dispose();
    decoder.dispose();
  });

  it('rejects a wrong decoder output', () => {
    const encoder = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [784] })] });
    const decoder = tf.sequential({ layers: [tf.layers.dense({ units: 28, inputShape: [8] })] });
    expect(() => describeAutoencoder({ encoder, decoder }, 8)).toThrow(/the decoder output has shape \[batch, 28\], but the trainer needs \[batch, 784\]/);
    encoder.dispose();
    decoder.dispose();
  });

  it('rejects a model file that is missing', async () => {
    await expect(buildAutoencoder({ model: 'file', hidden: [], latent: 8, seed: 1, modelFile: '/tmp/missing-model.ts' })).rejects.toThrow(
      /the model file \/tmp\/missing-model\.ts cannot be read \(ENOENT\); check the path given to --model-file/,
    );
  });
});
