// Encodes and decodes in the page with TensorFlow.js, from the int8 model
// snapshots the host broadcasts, so exploring costs the host nothing. Any
// LayersModel works: dense, convolutional, a VAE or the streamer's own.
//
// TensorFlow.js is about a megabyte of script, so it is loaded with a dynamic
// import only once the explorer has weights to run, after the dashboard's
// first paint.

import { modelFromSnapshot, topologyKey, writeSnapshotWeights } from '../../../shared/model/layers-model';
import type { LayersModel, TensorFlow } from '../../../shared/model/layers-model';
import { shapeSize } from '../../../shared/model/topology';
import { IMAGE_PIXELS } from '../../../shared/training';
import type { ModelSnapshot } from '../../../shared/training';

export type { TensorFlow };

/** TensorFlow.js backends the explorer runs on. */
export type DecodeBackend = 'webgl' | 'cpu';

/** TensorFlow.js as loaded, with the backend that runs and why. */
export interface LoadedTensorFlow {
  tf: TensorFlow;
  backend: DecodeBackend;
  /** Reason this backend runs, such as "WebGL is unavailable". */
  reason: string;
}

let loading: Promise<LoadedTensorFlow> | null = null;

/**
 * Imports TensorFlow.js once per page and selects the backend: WebGL when
 * preferred and available, otherwise the JavaScript CPU backend. Headless
 * Chromium with `--disable-gpu` has no WebGL, and for the explorer's networks
 * (a few hundred thousand multiply-adds per image) the CPU backend is fast
 * enough. Later calls return the first call's result.
 */
export function loadTensorFlow(preferred: DecodeBackend = 'webgl'): Promise<LoadedTensorFlow> {
  loading ??= importTensorFlow(preferred);
  return loading;
}

async function importTensorFlow(preferred: DecodeBackend): Promise<LoadedTensorFlow> {
  const tf = await import('@tensorflow/tfjs');
  if (preferred === 'webgl') {
    // setBackend resolves to false, after logging a warning, when WebGL fails to initialise.
    const ready = await tf.setBackend('webgl').catch(() => false);
    if (ready) return { tf, backend: 'webgl', reason: 'WebGL' };
  }
  await tf.setBackend('cpu');
  return { tf, backend: 'cpu', reason: preferred === 'webgl' ? 'WebGL is unavailable' : 'the CPU backend was requested' };
}

/** The encoder or the decoder as a LayersModel, built from one snapshot and updated in place by later ones. */
interface LoadedModel {
  model: LayersModel;
  /** Topology of the snapshot the model was built from; see topologyKey. */
  key: string;
  step: number;
  /** Shape of the model's input without the batch dimension, such as [8] or [28, 28, 1]. */
  inputShape: number[];
}

type Role = 'encoder' | 'decoder';

/**
 * The encoder and decoder as TensorFlow.js LayersModels. A snapshot with a
 * new topology rebuilds its model and releases the previous one; a snapshot
 * with the same topology only overwrites the weights. `tf.tidy` releases every
 * intermediate of a forward pass, and the output is released once read, so
 * the tensor count stays flat however many images are decoded.
 */
export class LatentNetwork {
  private readonly tf: TensorFlow;
  private readonly models: Record<Role, LoadedModel | null>;
  /** Snapshot loads in the order they were requested, so an older snapshot never replaces a newer one. */
  private loads: Promise<void>;
  /** Incremented by `dispose`, so a load that was under way then leaves its model unused. */
  private generation: number;

  constructor(tf: TensorFlow) {
    this.tf = tf;
    this.models = { encoder: null, decoder: null };
    this.loads = Promise.resolve();
    this.generation = 0;
  }

  /** Training step of the decoder weights in use; null until a decoder snapshot is loaded. */
  get decoderStep(): number | null {
    return this.models.decoder?.step ?? null;
  }

  /** Training step of the encoder weights in use; null until an encoder snapshot is loaded. */
  get encoderStep(): number | null {
    return this.models.encoder?.step ?? null;
  }

  /** Latent vector size the decoder takes; null until a decoder snapshot is loaded. */
  get latentSize(): number | null {
    const decoder = this.models.decoder;
    return decoder ? shapeSize(decoder.inputShape) : null;
  }

  /** True once a decoder snapshot is loaded. */
  get canDecode(): boolean {
    return this.models.decoder !== null;
  }

  /** True once an encoder snapshot is loaded. */
  get canEncode(): boolean {
    return this.models.encoder !== null;
  }

  /** Number of tensors allocated on the TensorFlow.js engine, this network's and any other's. */
  get numTensors(): number {
    return this.tf.memory().numTensors;
  }

  /** Loads a decoder snapshot; resolves once decodes use it, and rejects with the reason when it cannot run. */
  setDecoder(snapshot: ModelSnapshot): Promise<void> {
    return this.queueLoad('decoder', snapshot);
  }

  /** Loads an encoder snapshot; resolves once encodes use it, and rejects with the reason when it cannot run. */
  setEncoder(snapshot: ModelSnapshot): Promise<void> {
    return this.queueLoad('encoder', snapshot);
  }

  /** Decodes one latent vector into 784 pixels in [0, 1], row-major. */
  async decode(vector: ArrayLike<number>): Promise<Float32Array> {
    const decoder = this.models.decoder;
    if (!decoder) throw new Error('cannot decode before the host has sent decoder weights');
    return this.forward(decoder, vector, 'latent vector');
  }

  /** Encodes one 28×28 image of pixels in [0, 1], row-major, into its latent vector: for a VAE, the mean. */
  async encode(pixels: ArrayLike<number>): Promise<Float32Array> {
    const encoder = this.models.encoder;
    if (!encoder) throw new Error('cannot encode before the host has sent encoder weights');
    return this.forward(encoder, pixels, 'image');
  }

  /** Encodes then decodes one image; returns its latent vector and the model's output. */
  async reconstruct(pixels: ArrayLike<number>): Promise<{ code: Float32Array; output: Float32Array }> {
    const code = await this.encode(pixels);
    const output = await this.decode(code);
    return { code, output };
  }

  /** Releases both models; the network decodes nothing after this until new snapshots are loaded. */
  dispose(): void {
    this.generation++;
    for (const role of ['encoder', 'decoder'] as const) {
      this.models[role]?.model.dispose();
      this.models[role] = null;
    }
  }

  private queueLoad(role: Role, snapshot: ModelSnapshot): Promise<void> {
    const generation = this.generation;
    const load = this.loads.then(() => this.load(role, snapshot, generation));
    this.loads = load.catch(() => undefined);
    return load;
  }

  private async load(role: Role, snapshot: ModelSnapshot, generation: number): Promise<void> {
    if (generation !== this.generation) return;
    const current = this.models[role];
    const key = topologyKey(snapshot);
    if (current && current.key === key) {
      writeSnapshotWeights(this.tf, current.model, snapshot);
      current.step = snapshot.step;
      return;
    }

    const model = await modelFromSnapshot(this.tf, snapshot);
    let loaded: LoadedModel;
    try {
      loaded = { model, key, step: snapshot.step, inputShape: checkImageEnd(role, model) };
    } catch (error) {
      model.dispose();
      throw error;
    }
    if (generation !== this.generation) {
      model.dispose();
      return;
    }
    this.models[role]?.model.dispose();
    this.models[role] = loaded;
  }

  private async forward(loaded: LoadedModel, input: ArrayLike<number>, what: string): Promise<Float32Array> {
    const expected = shapeSize(loaded.inputShape);
    if (input.length !== expected) throw new RangeError(`the ${what} has ${input.length} values; this model takes ${expected}`);
    for (let i = 0; i < input.length; i++) {
      if (!Number.isFinite(input[i])) throw new RangeError(`value ${i + 1} of the ${what} is ${input[i]}, not a finite number`);
    }

    const tf = this.tf;
    const output = tf.tidy(() => {
      const prediction = loaded.model.predict(tf.tensor(Float32Array.from(input), [1, ...loaded.inputShape]));
      // A VAE's encoder outputs the mean first, then the log-variance.
      return Array.isArray(prediction) ? prediction[0] : prediction;
    });
    try {
      // data() rather than dataSync(), because on WebGL a synchronous read stalls the page until the GPU finishes.
      return (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
  }
}

/**
 * Checks that the model has one input of a fixed shape and that its image
 * end (the encoder's input, the decoder's first output) holds 784 pixels;
 * returns the input shape without the batch dimension.
 */
function checkImageEnd(role: Role, model: LayersModel): number[] {
  if (model.inputs.length !== 1) throw new RangeError(`the ${role} has ${model.inputs.length} inputs; the explorer needs exactly one`);
  const inputShape = model.inputs[0].shape.slice(1);
  if (!inputShape.every((size): size is number => typeof size === 'number' && size > 0)) {
    throw new RangeError(`the ${role}'s input shape [${model.inputs[0].shape}] has an unknown size`);
  }

  const imageShape = role === 'encoder' ? inputShape : model.outputs[0].shape.slice(1);
  const pixels = imageShape.every((size) => typeof size === 'number') ? shapeSize(imageShape as number[]) : NaN;
  if (pixels !== IMAGE_PIXELS) {
    throw new RangeError(`the ${role} has shape [${imageShape}] at its image end; expected ${IMAGE_PIXELS} pixels, such as [784] or [28, 28, 1]`);
  }
  return inputShape;
}
