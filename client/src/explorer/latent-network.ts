// Encodes and decodes in the page with TensorFlow.js, from the int8 weight
// snapshots the host broadcasts, so exploring costs the host nothing.
//
// TensorFlow.js is about a megabyte of script, so it is loaded with a dynamic
// import only once the explorer has weights to run, after the dashboard's
// first paint.

import { IMAGE_PIXELS } from '../../../shared/training';
import type { DenseLayerWeights, NetworkWeights } from '../../../shared/training';

export type TensorFlow = typeof import('@tensorflow/tfjs');
type Tensor1D = import('@tensorflow/tfjs').Tensor1D;
type Tensor2D = import('@tensorflow/tfjs').Tensor2D;

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

/** Weight tensors of one dense layer, kept on the backend between calls. */
interface DenseTensors {
  inputs: number;
  units: number;
  activation: DenseLayerWeights['activation'];
  kernel: Tensor2D;
  bias: Tensor1D;
}

/**
 * The encoder and decoder as TensorFlow.js tensors. Weight tensors live until
 * new weights replace them or `dispose` is called. `tf.tidy` releases every
 * intermediate of a forward pass, and the output is released once read, so
 * the tensor count stays flat however many images are decoded.
 */
export class LatentNetwork {
  /** Training step of the decoder weights in use; null until `setDecoder`. */
  decoderStep: number | null;
  /** Training step of the encoder weights in use; null until `setEncoder`. */
  encoderStep: number | null;

  private readonly tf: TensorFlow;
  private decoder: DenseTensors[];
  private encoder: DenseTensors[];

  constructor(tf: TensorFlow) {
    this.tf = tf;
    this.decoder = [];
    this.encoder = [];
    this.decoderStep = null;
    this.encoderStep = null;
  }

  /** Latent vector size the decoder takes; null until `setDecoder`. */
  get latentSize(): number | null {
    return this.decoder[0]?.inputs ?? null;
  }

  /** True once decoder weights are loaded. */
  get canDecode(): boolean {
    return this.decoder.length > 0;
  }

  /** True once encoder weights are loaded. */
  get canEncode(): boolean {
    return this.encoder.length > 0;
  }

  /** Number of tensors allocated on the TensorFlow.js engine, this network's and any other's. */
  get numTensors(): number {
    return this.tf.memory().numTensors;
  }

  /** Replaces the decoder's weight tensors, releasing the previous ones. */
  setDecoder(weights: NetworkWeights): void {
    checkChain(weights, 'decoder');
    disposeLayers(this.decoder);
    this.decoder = this.uploadLayers(weights);
    this.decoderStep = weights.step;
  }

  /** Replaces the encoder's weight tensors, releasing the previous ones. */
  setEncoder(weights: NetworkWeights): void {
    checkChain(weights, 'encoder');
    disposeLayers(this.encoder);
    this.encoder = this.uploadLayers(weights);
    this.encoderStep = weights.step;
  }

  /** Decodes one latent vector into 784 pixels in [0, 1], row-major. */
  async decode(vector: ArrayLike<number>): Promise<Float32Array> {
    if (!this.canDecode) throw new Error('cannot decode before the host has sent decoder weights');
    return this.forward(this.decoder, vector, 'latent vector');
  }

  /** Encodes one 28×28 image of pixels in [0, 1], row-major, into its latent vector. */
  async encode(pixels: ArrayLike<number>): Promise<Float32Array> {
    if (!this.canEncode) throw new Error('cannot encode before the host has sent encoder weights');
    return this.forward(this.encoder, pixels, 'image');
  }

  /** Encodes then decodes one image; returns its latent vector and the model's output. */
  async reconstruct(pixels: ArrayLike<number>): Promise<{ code: Float32Array; output: Float32Array }> {
    const code = await this.encode(pixels);
    const output = await this.decode(code);
    return { code, output };
  }

  /** Releases every weight tensor; the network decodes nothing after this until new weights are set. */
  dispose(): void {
    disposeLayers(this.decoder);
    disposeLayers(this.encoder);
    this.decoder = [];
    this.encoder = [];
    this.decoderStep = null;
    this.encoderStep = null;
  }

  private uploadLayers(weights: NetworkWeights): DenseTensors[] {
    return weights.layers.map((layer) => ({
      inputs: layer.inputs,
      units: layer.units,
      activation: layer.activation,
      kernel: this.tf.tensor2d(layer.kernel, [layer.inputs, layer.units]),
      bias: this.tf.tensor1d(layer.bias),
    }));
  }

  private async forward(layers: readonly DenseTensors[], input: ArrayLike<number>, what: string): Promise<Float32Array> {
    const expected = layers[0].inputs;
    if (input.length !== expected) throw new RangeError(`the ${what} has ${input.length} values; this model takes ${expected}`);
    for (let i = 0; i < input.length; i++) {
      if (!Number.isFinite(input[i])) throw new RangeError(`value ${i + 1} of the ${what} is ${input[i]}, not a finite number`);
    }

    const tf = this.tf;
    const output = tf.tidy(() => {
      let h: Tensor2D = tf.tensor2d(Float32Array.from(input), [1, expected]);
      for (const layer of layers) {
        h = tf.add(tf.matMul(h, layer.kernel), layer.bias) as Tensor2D;
        if (layer.activation === 'relu') h = tf.relu(h);
        if (layer.activation === 'sigmoid') h = tf.sigmoid(h);
      }
      return h;
    });
    try {
      // data() rather than dataSync(), because on WebGL a synchronous read stalls the page until the GPU finishes.
      return (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
  }
}

/** Checks that each layer's input size is the previous layer's output size and that one end is the 784 pixels. */
function checkChain(weights: NetworkWeights, role: 'encoder' | 'decoder'): void {
  const layers = weights.layers;
  if (layers.length === 0) throw new RangeError(`the ${role} weights have no layers`);
  for (let i = 1; i < layers.length; i++) {
    if (layers[i].inputs !== layers[i - 1].units) {
      throw new RangeError(`${role} layer ${i + 1} takes ${layers[i].inputs} inputs but layer ${i} has ${layers[i - 1].units} units`);
    }
  }
  const pixelEnd = role === 'decoder' ? layers[layers.length - 1].units : layers[0].inputs;
  if (pixelEnd !== IMAGE_PIXELS) throw new RangeError(`the ${role} has ${pixelEnd} pixels at its image end; expected ${IMAGE_PIXELS}`);
}

function disposeLayers(layers: readonly DenseTensors[]): void {
  for (const layer of layers) {
    layer.kernel.dispose();
    layer.bias.dispose();
  }
}
