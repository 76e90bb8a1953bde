// Checks what the streamer's model function returned: two tf.layers models
// whose shapes fit an autoencoder of 28x28 images with the run's latent size.
// Each message names what is wrong and how to fix it, and points at the line
// that created the offending layer when the tracer saw it.

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../shared/training';
import type { SourceLocation } from '../../shared/training';
import { ModelFileError } from './model-file-errors';
import type { CreationSites } from './model-file-tracer';

/** Image shapes a decoder may output, without the batch dimension. */
export const IMAGE_SHAPES: readonly number[][] = [[IMAGE_PIXELS], [IMAGE_SIZE, IMAGE_SIZE], [IMAGE_SIZE, IMAGE_SIZE, 1]];

const IMAGE_SHAPES_TEXT = '[784], [28, 28] or [28, 28, 1]';

/** The encoder and the decoder as the model file returned them, checked. */
export interface CheckedModels {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** Shape of the decoder's output without the batch dimension, one of IMAGE_SHAPES. */
  outputShape: number[];
}

interface CheckContext {
  /** File name, as messages show it. */
  name: string;
  latent: number;
  sites: CreationSites;
  /** Location of the exported function, for failures that no layer explains. */
  exportSite: SourceLocation | undefined;
}

/** Checks the model function's return value, or throws a ModelFileError that names what to change. */
export function checkModelResult(result: unknown, context: CheckContext): CheckedModels {
  const { name, exportSite } = context;
  if (typeof result !== 'object' || result === null || !('encoder' in result) || !('decoder' in result)) {
    throw new ModelFileError(
      `the function that ${name} exports returned ${describeValue(result)}; return { encoder, decoder }, two models built with the tf argument, such as tf.sequential(...).`,
      exportSite,
    );
  }

  const encoder = checkModel('encoder', result.encoder, context);
  const decoder = checkModel('decoder', result.decoder, context);
  if (encoder === decoder) throw new ModelFileError(`${name} returned the same model as encoder and decoder; build two models.`, context.sites.siteOf(encoder) ?? exportSite);

  checkEncoderInput(encoder, context);
  checkEncoderOutput(encoder, context);
  checkDecoderInput(decoder, context);
  const outputShape = checkDecoderOutput(decoder, context);
  return { encoder, decoder, outputShape };
}

function checkModel(role: 'encoder' | 'decoder', value: unknown, context: CheckContext): tf.LayersModel {
  const { name, sites, exportSite } = context;
  if (value instanceof tf.LayersModel) {
    checkSingle(role, value, context);
    return value;
  }

  const site = sites.siteOf(value as object) ?? exportSite;
  if (value instanceof tf.layers.Layer) {
    throw new ModelFileError(`the ${role} from ${name} is a ${value.getClassName()} layer, not a model; wrap the layers in tf.sequential({ layers: [...] }).`, site);
  }
  if (looksLikeModel(value)) {
    throw new ModelFileError(
      `the ${role} from ${name} is a model of another copy of TensorFlow.js; build it with the tf your function receives as its first argument, not with an imported tf.`,
      site,
    );
  }
  throw new ModelFileError(`the ${role} from ${name} is ${describeValue(value)}; it must be a model such as tf.sequential({ layers: [...] }).`, site);
}

function checkSingle(role: string, model: tf.LayersModel, context: CheckContext): void {
  const site = context.sites.siteOf(model) ?? context.exportSite;
  if (model.inputs.length !== 1) {
    throw new ModelFileError(`the ${role} from ${context.name} has ${model.inputs.length} inputs; it must have one.`, site);
  }
  if (model.outputs.length !== 1) {
    throw new ModelFileError(`the ${role} from ${context.name} has ${model.outputs.length} outputs; it must have one.`, site);
  }
}

/** Checks that the encoder takes flat images of 784 pixels, as the training step feeds them. */
function checkEncoderInput(encoder: tf.LayersModel, context: CheckContext): void {
  const shape = withoutBatch(encoder.inputs[0].shape);
  if (shape.length === 1 && shape[0] === IMAGE_PIXELS) return;
  throw new ModelFileError(
    `the encoder from ${context.name} takes input shape ${formatShape(shape)}; it must take flat images of 784 pixels. ` +
      'Give its first layer inputShape: config.inputShape ([784]); for convolutions, begin with ' +
      'tf.layers.reshape({ targetShape: config.imageShape, inputShape: config.inputShape }).',
    siteOfLayer(encoder, 'first', context),
  );
}

function checkEncoderOutput(encoder: tf.LayersModel, context: CheckContext): void {
  const shape = withoutBatch(encoder.outputs[0].shape);
  if (shape.length === 1 && shape[0] === context.latent) return;
  const fix =
    shape.length === 1
      ? `end it with a layer of config.latent units, such as tf.layers.dense({ units: config.latent }), or start the host with --latent ${shape[0]}.`
      : 'end it with tf.layers.flatten() and then tf.layers.dense({ units: config.latent }).';
  throw new ModelFileError(
    `the encoder from ${context.name} outputs shape ${formatShape(shape)}, but the latent size is ${context.latent}; ${fix}`,
    siteOfLayer(encoder, 'last', context),
  );
}

function checkDecoderInput(decoder: tf.LayersModel, context: CheckContext): void {
  const shape = withoutBatch(decoder.inputs[0].shape);
  if (shape.length === 1 && shape[0] === context.latent) return;
  throw new ModelFileError(
    `the decoder from ${context.name} takes input shape ${formatShape(shape)}, but the latent size is ${context.latent}; ` +
      'give its first layer inputShape: [config.latent].',
    siteOfLayer(decoder, 'first', context),
  );
}

function checkDecoderOutput(decoder: tf.LayersModel, context: CheckContext): number[] {
  const shape = withoutBatch(decoder.outputs[0].shape);
  if (isImageShape(shape)) return shape as number[];
  throw new ModelFileError(
    `the decoder from ${context.name} outputs shape ${formatShape(shape)}; it must output an image as ${IMAGE_SHAPES_TEXT}, ` +
      "such as with tf.layers.dense({ units: 784, activation: 'sigmoid' }) as its last layer.",
    siteOfLayer(decoder, 'last', context),
  );
}

/** Returns where the model's first or last layer was created, looking inside nested models, or else where the model was. */
function siteOfLayer(model: tf.LayersModel, end: 'first' | 'last', context: CheckContext): SourceLocation | undefined {
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  const layer = end === 'first' ? layers[0] : layers.at(-1);
  const nested = layer instanceof tf.LayersModel ? siteOfLayer(layer, end, context) : undefined;
  return nested ?? context.sites.siteOf(layer) ?? context.sites.siteOf(model) ?? context.exportSite;
}

function isImageShape(shape: (number | null)[]): boolean {
  return IMAGE_SHAPES.some((allowed) => allowed.length === shape.length && allowed.every((size, i) => size === shape[i]));
}

function withoutBatch(shape: (number | null)[]): (number | null)[] {
  return shape.slice(1);
}

function formatShape(shape: (number | null)[]): string {
  return `[${shape.map((size) => (size === null ? 'null' : String(size))).join(', ')}]`;
}

/** Recognises a LayersModel of another TensorFlow.js copy, which fails `instanceof`. */
function looksLikeModel(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.predict === 'function' && typeof candidate.getWeights === 'function' && Array.isArray(candidate.layers);
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object with ${Object.keys(value).length === 0 ? 'no keys' : `keys ${Object.keys(value).join(', ')}`}`;
  return `a ${typeof value}`;
}
