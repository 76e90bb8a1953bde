// Runs one image through the encoder and the decoder in the page and
// returns the activation of every unit of every layer with weights, for the
// network diagram. TensorFlow.js comes from the caller, which loads it lazily.

import { modelFromSnapshot, topologyKey, writeSnapshotWeights } from '../../../shared/model/layers-model';
import type { LayersModel, TensorFlow } from '../../../shared/model/layers-model';
import { IMAGE_PIXELS } from '../../../shared/training';
import type { ModelSnapshot } from '../../../shared/training';

type Tensor = import('@tensorflow/tfjs').Tensor;
type SymbolicTensor = import('@tensorflow/tfjs').SymbolicTensor;

/** Activations of one image, from the input pixels to the output. */
export interface LayerActivations {
  /** Activation of each unit, one array per layer: the input pixels in [0, 1] first, then each layer with weights. */
  layers: Float32Array[];
  /** Index in `layers` of the latent vector: the layer that produces the encoder's first output. */
  latentIndex: number;
  /** Training step of the encoder snapshot used. */
  step: number;
}

/** A model rebuilt from a snapshot, with a second model over the same layers that outputs every layer with weights. */
interface ProbedModel {
  /** Topology the model was built from (see topologyKey), so a snapshot with the same topology only writes weights. */
  key: string;
  model: LayersModel;
  probe: LayersModel;
  /** Position among the probe's outputs of the layer that produces the model's first output, or the last one. */
  firstOutput: number;
}

/**
 * The encoder and the decoder as TensorFlow.js models that report every
 * layer's output. A snapshot with a new topology rebuilds its model; one
 * with the same topology only overwrites the weights. Every intermediate
 * tensor is released before a call returns, so the tensor count stays flat.
 */
export class ActivationProbe {
  private readonly tf: TensorFlow;
  private encoder: ProbedModel | null;
  private decoder: ProbedModel | null;
  private step: number;

  constructor(tf: TensorFlow) {
    this.tf = tf;
    this.encoder = null;
    this.decoder = null;
    this.step = 0;
  }

  /** Number of tensors allocated on the TensorFlow.js engine, this probe's and any other's. */
  get numTensors(): number {
    return this.tf.memory().numTensors;
  }

  /** Loads the weights of both snapshots, rebuilding a model whose topology changed. */
  async load(encoder: ModelSnapshot, decoder: ModelSnapshot): Promise<void> {
    this.encoder = await this.loadModel(this.encoder, encoder, true);
    this.decoder = await this.loadModel(this.decoder, decoder, false);
    this.step = encoder.step;
  }

  /**
   * Returns the activations for one 28×28 image of bytes. A layer's output
   * with more than one value per unit, such as a convolution's feature map,
   * is reduced to the mean over its positions, one value per channel, unless
   * it is a one-channel image of 784 pixels, which stays as it is.
   */
  async activations(image: Uint8Array): Promise<LayerActivations> {
    if (this.encoder === null || this.decoder === null) throw new Error('cannot compute activations before load() has run');
    if (image.length !== IMAGE_PIXELS) throw new RangeError(`the image has ${image.length} pixels; expected ${IMAGE_PIXELS}`);

    const { encoder, decoder, tf } = this;
    const pixels = Float32Array.from(image, (value) => value / 255);
    const outputs = tf.tidy(() => {
      const input = tf.tensor(pixels, [1, ...inputShape(encoder.model)]);
      const encoded = asList(encoder.probe.predict(input));
      const code = asList(encoder.model.predict(input))[0];
      const decoded = asList(decoder.probe.predict(code.reshape([1, ...inputShape(decoder.model)])));
      return [...encoded, ...decoded].map(perUnit);
    });

    try {
      const layers = [pixels, ...(await Promise.all(outputs.map((tensor) => tensor.data() as Promise<Float32Array>)))];
      return { layers, latentIndex: 1 + encoder.firstOutput, step: this.step };
    } finally {
      tf.dispose(outputs);
    }
  }

  /** Releases both models. */
  dispose(): void {
    disposeModel(this.encoder);
    disposeModel(this.decoder);
    this.encoder = null;
    this.decoder = null;
  }

  /**
   * Builds the model and a probe that outputs every layer with weights. With
   * `probeOutput`, the probe also outputs the model's first output when a
   * layer without weights makes it, such as the flattened feature map that
   * is the code of `--model conv --latent 128`. An output with as many units
   * as the last layer with weights (a Dense followed by an Activation)
   * replaces that layer, so the diagram keeps the host's layer count.
   */
  private async loadModel(current: ProbedModel | null, snapshot: ModelSnapshot, probeOutput: boolean): Promise<ProbedModel> {
    const key = topologyKey(snapshot);
    if (current !== null && current.key === key) {
      writeSnapshotWeights(this.tf, current.model, snapshot);
      return current;
    }

    const model = await modelFromSnapshot(this.tf, snapshot);
    disposeModel(current);
    const probed = model.layers.filter((layer) => layer.weights.length > 0).map((layer) => layer.output as SymbolicTensor);
    const output = model.outputs[0];
    if (probeOutput && !probed.includes(output)) {
      const last = probed.at(-1);
      if (last !== undefined && unitCount(last.shape) === unitCount(output.shape)) probed.pop();
      probed.push(output);
    }
    const probe = this.tf.model({ inputs: model.inputs, outputs: probed });
    const firstOutput = probed.indexOf(output);
    return { key, model, probe, firstOutput: firstOutput >= 0 ? firstOutput : probed.length - 1 };
  }
}

/** Returns the model's input shape without the batch dimension. */
function inputShape(model: LayersModel): number[] {
  return model.inputs[0].shape.slice(1).map((size) => size ?? 1);
}

function asList(output: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(output) ? output : [output];
}

/** Returns how many values perUnit makes of an output of `shape`: its size for a vector or a one-channel 784-pixel image, otherwise its channels. */
function unitCount(shape: readonly (number | null)[]): number {
  const dims = shape.slice(1).map((size) => size ?? 1);
  const size = dims.reduce((product, next) => product * next, 1);
  return keepsEveryValue(dims.length + 1, size, dims.at(-1)!) ? size : dims.at(-1)!;
}

/** Flattens a [1, units] output or a one-channel image of 784 pixels, and averages any other [1, …, channels] output over its positions. */
function perUnit(output: Tensor): Tensor {
  if (keepsEveryValue(output.rank, output.size, output.shape[output.rank - 1])) return output.reshape([-1]);
  const axes = Array.from({ length: output.rank - 2 }, (_, i) => i + 1);
  return output.mean(axes).reshape([-1]);
}

/** Tells whether perUnit keeps every value of an output: a [batch, units] vector, or a one-channel image of 784 pixels. */
function keepsEveryValue(rank: number, size: number, channels: number): boolean {
  return rank <= 2 || (size === IMAGE_PIXELS && channels === 1);
}

function disposeModel(probed: ProbedModel | null): void {
  probed?.model.dispose();
}
