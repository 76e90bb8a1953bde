// The streamer's model file (`--model-file`): a JavaScript or TypeScript
// module, edited live on stream, that exports a function building the encoder
// and the decoder. It loads inside the training worker, where tsx is
// registered, so that TypeScript imports without a build step. Every run has
// its own worker, so each save is imported afresh.

import { realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../shared/training';
import type { RunConfig, SourceLocation } from '../../shared/training';
import { checkModelResult } from './model-file-checks';
import type { CheckedModels } from './model-file-checks';
import { exceptionFailure, exportLocation, importFailure, ModelFileError, stackLocation } from './model-file-errors';
import { CreationSites } from './model-file-tracer';
import type { EncoderDecoder } from './models/layers';

export { ModelFileError } from './model-file-errors';

/** The run configuration that the model function receives. */
export interface ModelFileConfig {
  /** The encoder's input shape, [784]: images arrive flat, one value per pixel in [0, 1]. */
  inputShape: [number];
  /** Shape of an image as convolutions take it, [28, 28, 1]; reshape the flat input to it. */
  imageShape: [number, number, number];
  /** Pixels per image, 784: the units of a dense decoder's last layer. */
  pixels: number;
  /** Size of the latent vector (`--latent`): the encoder's output units and the decoder's input size. */
  latent: number;
  /** Seed of the run (`--seed`), for initialisers that take one. */
  seed: number;
}

/** The model function's return value: two tf.layers models built with the `tf` it receives. */
export interface ModelFileModels {
  /** The encoder, from a flat image, [784], to the latent vector, [latent]. */
  encoder: tf.LayersModel;
  /** The decoder, from the latent vector to an image as [784], [28, 28] or [28, 28, 1], best through a sigmoid. */
  decoder: tf.LayersModel;
}

/** The function a model file exports, as its default export or named `model`. */
export type ModelFileFunction = (tfNamespace: typeof tf, config: ModelFileConfig) => ModelFileModels | Promise<ModelFileModels>;

/** Time the model function gets to return, so that a function that never settles cannot hold up a run. */
const MODEL_FUNCTION_TIMEOUT_MS = 30_000;

/** Makes each import of the same file a new module, for hosts that load the file twice in one worker. */
let importCount = 0;

/**
 * Imports the model file of `config`, calls its function and returns the
 * encoder and the decoder it builds, the encoder taking 784 pixels and the
 * decoder returning 784 values. Throws a ModelFileError with the place in the
 * file for a syntax error, an exception, or models of the wrong shape.
 */
export async function loadModelFile(config: Pick<RunConfig, 'latent' | 'seed'> & { modelFile?: string | null }): Promise<EncoderDecoder> {
  if (!config.modelFile) throw new Error('loadModelFile needs RunConfig.modelFile, the absolute path of the model file');
  const file = config.modelFile;
  try {
    const models = await buildModels(await realFile(file), config);
    return flatPair(models);
  } catch (error) {
    if (error instanceof ModelFileError) throw withFile(error, file);
    throw error;
  }
}

async function buildModels(file: string, config: Pick<RunConfig, 'latent' | 'seed'>): Promise<CheckedModels> {
  const module = await importModule(file);
  const build = exportedFunction(module, file);
  const exportSite = await exportLocation(file);

  const sites = new CreationSites(file);
  const modelConfig: ModelFileConfig = {
    inputShape: [IMAGE_PIXELS],
    imageShape: [IMAGE_SIZE, IMAGE_SIZE, 1],
    pixels: IMAGE_PIXELS,
    latent: config.latent,
    seed: config.seed,
  };
  const result = await callModelFunction(build, sites.instrument(tf), modelConfig, file, exportSite);
  return checkModelResult(result, { name: basename(file), latent: config.latent, sites, exportSite });
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  // The query makes a new module of each import. NOTE: it has no effect on a file that
  // Node loads as CommonJS (a .js file outside an ES module package), because that cache
  // is keyed by path. Such a file loads afresh only because every run has its own worker.
  const url = `${pathToFileURL(file).href}?version=${Date.now()}-${++importCount}`;
  try {
    return (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
  } catch (error) {
    throw await importFailure(error, file);
  }
}

function exportedFunction(module: Record<string, unknown>, file: string): ModelFileFunction {
  // A file that Node loads as CommonJS arrives with its exports object as the default export.
  const exports = typeof module.default === 'object' && module.default !== null ? (module.default as Record<string, unknown>) : module;
  const candidate = [module.default, module.model, exports.default, exports.model].find((value) => typeof value === 'function');
  if (candidate) return candidate as ModelFileFunction;

  const names = Object.keys(exports).filter((name) => name !== '__esModule');
  const found = names.length === 0 ? 'exports nothing' : `exports ${names.join(', ')} but no function`;
  throw new ModelFileError(
    `${basename(file)} ${found}; export the model function as its default export: ` +
      'export default function (tf, config) { ...; return { encoder, decoder }; }',
  );
}

async function callModelFunction(
  build: ModelFileFunction,
  tfNamespace: typeof tf,
  config: ModelFileConfig,
  file: string,
  exportSite: SourceLocation | undefined,
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const message = `the function that ${basename(file)} exports did not return within ${MODEL_FUNCTION_TIMEOUT_MS / 1000} s; check what it awaits.`;
      reject(new ModelFileError(message, exportSite));
    }, MODEL_FUNCTION_TIMEOUT_MS);
  });

  try {
    return await Promise.race([Promise.resolve().then(() => build(tfNamespace, config)), timeout]);
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    throw exceptionFailure(error, file, 'while building the model');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Returns the pair with a decoder that returns 784 values, as the training
 * step and the viewers expect, adding a reshape where the file's decoder
 * outputs [28, 28] or [28, 28, 1].
 */
function flatPair(models: CheckedModels): EncoderDecoder {
  const decoder = models.outputShape.length === 1 ? models.decoder : flattenedOutput(models.decoder);
  return { encoder: models.encoder, decoder };
}

/**
 * Builds a model on the decoder's own graph with a reshape after its output.
 * It calls no layer of the decoder again, so the layers stay in one model
 * and disposing the new model releases their weights.
 */
function flattenedOutput(decoder: tf.LayersModel): tf.LayersModel {
  const flat = tf.layers.reshape({ targetShape: [IMAGE_PIXELS] }).apply(decoder.outputs[0]) as tf.SymbolicTensor;
  return tf.model({ inputs: decoder.inputs, outputs: flat, name: 'decoder' });
}

/** Resolves symbolic links, because stack traces name the file by its real path. */
async function realFile(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFileError(`the model file ${file} cannot be read (${code ?? (error as Error).message}); check the path given to --model-file.`);
  }
}

/** Reports locations with the path the streamer gave, not the resolved one. */
function withFile(error: ModelFileError, file: string): ModelFileError {
  if (!error.location || error.location.file === file) return error;
  const located = new ModelFileError(error.message, { ...error.location, file });
  located.stack = error.stack;
  return located;
}

/**
 * Returns where in the model file a failure of the worker happened: the
 * location of a ModelFileError, else the innermost frame of the stack (or of
 * its cause) in the file. The preflight's failures, such as a loss that is NaN
 * on the first step, point at the exported function when no frame is in the file.
 */
export async function modelFileLocation(error: unknown, config: Pick<RunConfig, 'model' | 'modelFile'>): Promise<SourceLocation | undefined> {
  if (error instanceof ModelFileError) return error.location;
  if (config.model !== 'file' || !config.modelFile) return undefined;

  const file = await realpath(config.modelFile).catch(() => config.modelFile!);
  const cause = (error as { cause?: unknown } | null)?.cause;
  let location = stackLocation(error, file) ?? stackLocation(cause, file);
  if (!location && (error as Error)?.name === 'PreflightError') location = await exportLocation(file);
  return location && { ...location, file: config.modelFile };
}
