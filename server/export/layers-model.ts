// Writes ModelSnapshots as a TensorFlow.js LayersModel: the model.json and the
// weights file that `tf.loadLayersModel` reads, in a browser, a p5.js or ml5
// sketch, or Node. The host serves them under /api/model/ and
// `npm run export` writes them to disk.

import type * as tfjs from '@tensorflow/tfjs';

import { modelFromSnapshot } from '../../shared/model/layers-model';
import type { LayersModel, TensorFlow } from '../../shared/model/layers-model';
import type { ModelSnapshot } from '../../shared/training';

/** Part of the autoencoder to export: the encoder (image to latent vector), the decoder (latent vector to image) or both in one model (image to image). */
export type ExportPart = 'encoder' | 'decoder' | 'autoencoder';

export const EXPORT_PARTS: readonly ExportPart[] = ['encoder', 'decoder', 'autoencoder'];

/** Default name of the weights file, next to model.json. */
export const WEIGHTS_FILE = 'weights.bin';

/** The two files of an exported LayersModel. */
export interface ExportedModel {
  /** Content of model.json: the topology and a manifest naming one weights file. */
  modelJson: tfjs.io.ModelJSON;
  /** Content of the weights file: every weight as little-endian float32, in manifest order. */
  weightData: Uint8Array;
}

/** The snapshots to export from; a part needs only its own, the autoencoder both. */
export interface ExportSnapshots {
  encoder: ModelSnapshot | null;
  decoder: ModelSnapshot | null;
}

export interface ExportOptions {
  /** Weights file path written into the manifest, relative to model.json; `weights.bin` unless given. */
  weightsPath?: string;
}

/** Raised when snapshots cannot be exported; the message names the part and the reason. */
export class ExportError extends Error {
  override name = 'ExportError';
}

/**
 * Builds `part` from the snapshots at full precision and returns its
 * model.json and weights file. The autoencoder feeds the image through the
 * encoder and the encoder's first output through the decoder, so for a VAE
 * it decodes the mean. `userDefinedMetadata` records the part and the
 * training step. Every tensor it creates is released before it returns.
 */
export async function exportLayersModel(
  tf: TensorFlow,
  part: ExportPart,
  snapshots: ExportSnapshots,
  options: ExportOptions = {},
): Promise<ExportedModel> {
  const weightsPath = options.weightsPath ?? WEIGHTS_FILE;
  const built: LayersModel[] = [];
  try {
    const model = await buildPart(tf, part, snapshots, built);
    const step = (part === 'encoder' ? snapshots.encoder : snapshots.decoder)!.step;
    model.setUserDefinedMetadata({ latentcast: { part, step } });
    const artifacts = await saveToMemory(tf, model);

    const modelJson: tfjs.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as object,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      userDefinedMetadata: artifacts.userDefinedMetadata,
      weightsManifest: [{ paths: [weightsPath], weights: artifacts.weightSpecs ?? [] }],
    };
    return { modelJson, weightData: new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) };
  } finally {
    built.forEach(releaseModel);
  }
}

/** Builds the model to save; every model it builds is pushed onto `built` for the caller to dispose. */
async function buildPart(
  tf: TensorFlow,
  part: ExportPart,
  snapshots: ExportSnapshots,
  built: LayersModel[],
): Promise<LayersModel> {
  const rebuild = async (role: 'encoder' | 'decoder') => {
    const snapshot = snapshots[role];
    if (!snapshot) throw new ExportError(`the ${part} needs the ${role} snapshot, which is missing`);
    try {
      const model = await modelFromSnapshot(tf, snapshot);
      built.push(model);
      return model;
    } catch (error) {
      throw new ExportError(`the ${role} cannot be exported: ${(error as Error).message}`);
    }
  };
  if (part !== 'autoencoder') return rebuild(part);

  // Saving flattens the two models' weights into one list, where a name both use would make the file unloadable.
  const shared = sharedWeightName(snapshots.encoder, snapshots.decoder);
  if (shared) {
    throw new ExportError(
      `the encoder and the decoder both have a weight named "${shared}", so they cannot be saved as one model; ` +
        'give their layers different names (the `name` option of each layer in a model file)',
    );
  }

  const encoder = await rebuild('encoder');
  const decoder = await rebuild('decoder');
  // Applying a model to a tensor of another shape does not fail until predict, so the shapes are compared here.
  const code = encoder.outputs[0].shape.slice(1);
  const latent = decoder.inputs[0].shape.slice(1);
  if (decoder.inputs.length !== 1 || code.join() !== latent.join()) {
    throw new ExportError(`the encoder and the decoder do not compose into one model: the encoder's code has shape [${code}] but the decoder takes [${latent}]`);
  }
  try {
    const image = tf.input({ shape: encoder.inputs[0].shape.slice(1) as number[], name: 'image' });
    const reconstruction = firstOutput(decoder.apply(firstOutput(encoder.apply(image))));
    const autoencoder = tf.model({ inputs: image, outputs: reconstruction, name: 'autoencoder' });
    // Disposing the composed model disposes the two models inside it.
    built.splice(0, built.length, autoencoder);
    return autoencoder;
  } catch (error) {
    throw new ExportError(`the encoder and the decoder do not compose into one model: ${(error as Error).message}`);
  }
}

async function saveToMemory(tf: TensorFlow, model: LayersModel): Promise<tfjs.io.ModelArtifacts> {
  let saved: tfjs.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new ExportError('TensorFlow.js saved no model artifacts');
  return saved;
}

/** Returns a weight name that both snapshots use, or null; a missing snapshot shares none. */
function sharedWeightName(encoder: ModelSnapshot | null, decoder: ModelSnapshot | null): string | null {
  const encoderNames = new Set(encoder?.weights.map((weight) => weight.name) ?? []);
  return decoder?.weights.find((weight) => encoderNames.has(weight.name))?.name ?? null;
}

/** Disposes `model` and its weights, also when applying it to new inputs (as composing does) took extra references. */
function releaseModel(model: LayersModel): void {
  let result = model.dispose();
  while (result.refCountAfterDispose !== null && result.refCountAfterDispose > 0) result = model.dispose();
}

function firstOutput(output: tfjs.Tensor | tfjs.Tensor[] | tfjs.SymbolicTensor | tfjs.SymbolicTensor[]): tfjs.SymbolicTensor {
  const first = Array.isArray(output) ? output[0] : output;
  return first as tfjs.SymbolicTensor;
}
