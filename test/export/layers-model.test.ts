// The LayersModel writer on snapshots of each model kind, loaded back with
// tf.loadLayersModel from memory.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { exportLayersModel, WEIGHTS_FILE } from '../../server/export/layers-model';
import type { ExportedModel } from '../../server/export/layers-model';
import { buildAutoencoder } from '../../server/trainer/model';
import { modelSnapshot } from '../../server/trainer/snapshot';
import type { ModelKind } from '../../shared/training';
import { maxAbsDifference } from '../helpers/dense-forward';
import { convDecoder, denseDecoder, denseEncoder, referenceModel, snapshotOf, vaeEncoder } from '../helpers/models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Loads an export the way tf.loadLayersModel reads model.json and its weights file. */
function load(exported: ExportedModel): Promise<tf.LayersModel> {
  const [group] = exported.modelJson.weightsManifest;
  const weightData = exported.weightData.buffer.slice(exported.weightData.byteOffset, exported.weightData.byteOffset + exported.weightData.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: exported.modelJson.modelTopology, weightSpecs: group.weights, weightData }));
}

function predict(model: tf.LayersModel, input: tf.Tensor): Float32Array {
  return tf.tidy(() => {
    const output = model.predict(input);
    return (Array.isArray(output) ? output[0] : output).dataSync() as Float32Array;
  });
}

const images = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 7);

describe('exportLayersModel', () => {
  it('writes a dense decoder that loads with its full-precision weights', async () => {
    const decoder = snapshotOf(denseDecoder(tf, 4), 12);
    const exported = await exportLayersModel(tf, 'decoder', { encoder: null, decoder });

    expect(exported.modelJson.format).toBe('layers-model');
    expect(exported.modelJson.weightsManifest).toHaveLength(1);
    expect(exported.modelJson.weightsManifest[0].paths).toEqual([WEIGHTS_FILE]);
    expect(exported.modelJson.weightsManifest[0].weights.map((spec) => [spec.name, spec.shape, spec.dtype])).toEqual(
      decoder.weights.map((weight) => [weight.name, weight.shape, 'float32']),
    );
    expect(exported.modelJson.userDefinedMetadata).toEqual({ latentcast: { part: 'decoder', step: 12 } });
    expect(exported.weightData.length).toBe(4 * decoder.weights.reduce((sum, weight) => sum + weight.values.length, 0));

    const loaded = await load(exported);
    const loadedWeights = loaded.getWeights().map((tensor) => tensor.dataSync());
    loadedWeights.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(decoder.weights[i].values)));
    loaded.dispose();
  });

  it('names the weights file it is given', async () => {
    const exported = await exportLayersModel(tf, 'encoder', { encoder: snapshotOf(denseEncoder(tf, 4), 1), decoder: null }, { weightsPath: 'group1-shard1of1.bin' });
    expect(exported.modelJson.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
  });

  it('composes a VAE encoder and a conv decoder through the mean', async () => {
    const encoder = snapshotOf(vaeEncoder(tf, 3), 20);
    const decoder = snapshotOf(convDecoder(tf, 3), 20);
    const loaded = await load(await exportLayersModel(tf, 'autoencoder', { encoder, decoder }));
    expect(loaded.inputs[0].shape).toEqual([null, 28, 28, 1]);
    expect(loaded.outputs).toHaveLength(1);
    expect(loaded.outputs[0].shape).toEqual([null, 28, 28, 1]);

    const encoderReference = referenceModel(tf, vaeEncoder(tf, 3), encoder);
    const decoderReference = referenceModel(tf, convDecoder(tf, 3), decoder);
    const mean = tf.tidy(() => (encoderReference.predict(images) as tf.Tensor[])[0]);
    const expected = predict(decoderReference, mean);
    expect(maxAbsDifference(predict(loaded, images), expected)).toBeLessThan(1e-6);
    mean.dispose();
    [encoderReference, decoderReference, loaded].forEach((model) => model.dispose());
  });

  it('exports a VAE encoder with both of its outputs', async () => {
    const encoder = snapshotOf(vaeEncoder(tf, 3), 21);
    const loaded = await load(await exportLayersModel(tf, 'encoder', { encoder, decoder: null }));
    expect(loaded.outputs.map((output) => output.shape)).toEqual([
      [null, 3],
      [null, 3],
    ]);
    loaded.dispose();
  });

  it.each<{ model: ModelKind; latent: number }>([
    { model: 'dense', latent: 4 },
    { model: 'deep', latent: 4 },
    { model: 'conv', latent: 4 },
    // The feature map itself is the code, so the decoder starts with a reshape.
    { model: 'conv', latent: 128 },
    { model: 'vae', latent: 4 },
  ])('exports the whole $model autoencoder (latent $latent) as one loadable model', async ({ model, latent }) => {
    const built = await buildAutoencoder({ model, hidden: [16, 12], latent, seed: 3 });
    const encoder = modelSnapshot(built.encoder, 5);
    const decoder = modelSnapshot(built.decoder, 5);
    built.encoder.dispose();
    built.decoder.dispose();

    const loaded = await load(await exportLayersModel(tf, 'autoencoder', { encoder, decoder }));
    expect(loaded.outputs[0].shape).toEqual([null, 784]);
    loaded.dispose();
  });

  it('rejects an encoder and a decoder that share a weight name', async () => {
    const encoder = snapshotOf(denseEncoder(tf, 4), 6);
    const decoder = snapshotOf(denseDecoder(tf, 4), 6);
    const renamed = { ...decoder, weights: decoder.weights.map((weight, i) => (i === 0 ? { ...weight, name: encoder.weights[0].name } : weight)) };
    await expect(exportLayersModel(tf, 'autoencoder', { encoder, decoder: renamed })).rejects.toThrow(
      `both have a weight named "${encoder.weights[0].name}"`,
    );
  });

  it('releases every tensor it creates', async () => {
    const encoder = snapshotOf(denseEncoder(tf, 4), 2);
    const decoder = snapshotOf(denseDecoder(tf, 4), 2);
    await exportLayersModel(tf, 'autoencoder', { encoder, decoder });
    const before = tf.memory().numTensors;
    for (const part of ['encoder', 'decoder', 'autoencoder'] as const) await exportLayersModel(tf, part, { encoder, decoder });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a part whose snapshot is missing', async () => {
    await expect(exportLayersModel(tf, 'autoencoder', { encoder: null, decoder: snapshotOf(denseDecoder(tf, 4), 3) })).rejects.toThrow(
      /the autoencoder needs the encoder snapshot, which is missing/,
    );
  });

  it('rejects an encoder and a decoder that do not compose', async () => {
    const encoder = snapshotOf(denseEncoder(tf, 4), 4);
    const decoder = snapshotOf(denseDecoder(tf, 6), 4);
    await expect(exportLayersModel(tf, 'autoencoder', { encoder, decoder })).rejects.toThrow(/do not compose into one model: the encoder's code has shape \[4\] but the decoder takes \[6\]/);
  });
});
