// Decodes latent vectors into 28×28 images on the host's main thread with
// TensorFlow.js, from the same int8-quantised decoder snapshot that pages
// receive, whatever its layers: dense, convolutional or the streamer's own.

import { modelFromSnapshot, topologyKey, writeSnapshotWeights } from '../../shared/model/layers-model';
import type { LayersModel, TensorFlow } from '../../shared/model/layers-model';
import { toPixelBytes } from '../../shared/pixels';
import { shapeSize } from '../../shared/model/topology';
import { IMAGE_PIXELS } from '../../shared/training';
import type { ModelSnapshot } from '../../shared/training';

/**
 * Maximum vectors in one forward pass. The decoder blocks the main thread while
 * it runs, so a large batch is split and WebSocket traffic goes on between
 * the passes. Each vector's image does not depend on the others in its pass.
 */
export const DECODE_PASS_SIZE = 64;

/** The decoder built for one snapshot, or why it could not be built. */
type Built =
  | { source: ModelSnapshot; key: string; model: LayersModel; inputShape: number[]; failure: null }
  | { source: ModelSnapshot; key: string; model: null; inputShape: null; failure: Error };

/**
 * Keeps the decoder of the latest snapshot as a LayersModel. A new snapshot
 * with the same topology only overwrites the weights; a new topology
 * rebuilds the model and releases the old one. Calls must not overlap, which
 * the submission batcher ensures by decoding one batch at a time.
 */
export class SnapshotDecoder {
  private built: Built | null = null;

  /**
   * @param tensorflow resolves with the TensorFlow.js instance to run on
   * @param onPass called after each forward pass with the number of vectors it decoded
   */
  constructor(
    private readonly tensorflow: () => Promise<TensorFlow>,
    private readonly onPass: (vectors: number) => void = () => {},
  ) {}

  /**
   * Decodes `count` latent vectors, stored row-major in `latents`, with the
   * decoder of `snapshot` into `count` images of one byte per pixel (0 black,
   * 255 white). Throws RangeError when the vectors do not fit the decoder's
   * input or its output is no 28×28 image.
   */
  async decode(snapshot: ModelSnapshot, latents: Float32Array, count: number): Promise<Uint8Array> {
    const tf = await this.tensorflow();
    const { model, inputShape } = await this.prepare(tf, snapshot);
    const latentSize = shapeSize(inputShape);
    if (latents.length !== count * latentSize) {
      throw new RangeError(`${count} latent vectors need ${count * latentSize} numbers for this decoder's input of ${latentSize}, got ${latents.length}`);
    }

    const pixels = new Uint8Array(count * IMAGE_PIXELS);
    for (let start = 0; start < count; start += DECODE_PASS_SIZE) {
      const rows = Math.min(DECODE_PASS_SIZE, count - start);
      const batch = latents.subarray(start * latentSize, (start + rows) * latentSize);
      pixels.set(toPixelBytes(await predictRows(tf, model, inputShape, batch, rows)), start * IMAGE_PIXELS);
      this.onPass(rows);
      if (start + rows < count) await yieldToEventLoop();
    }
    return pixels;
  }

  /** Releases the model's weights. */
  dispose(): void {
    this.built?.model?.dispose();
    this.built = null;
  }

  private async prepare(tf: TensorFlow, snapshot: ModelSnapshot): Promise<{ model: LayersModel; inputShape: number[] }> {
    if (this.built?.source !== snapshot) this.built = await this.build(tf, snapshot);
    if (this.built.failure) throw this.built.failure;
    return this.built;
  }

  /** Builds the model for `snapshot`, reusing the current model when only the weights changed. A failure is kept, so a broken snapshot is not rebuilt for every batch. */
  private async build(tf: TensorFlow, snapshot: ModelSnapshot): Promise<Built> {
    const key = topologyKey(snapshot);
    const previous = this.built;
    try {
      if (previous?.model && previous.key === key) {
        writeSnapshotWeights(tf, previous.model, snapshot);
        return { ...previous, source: snapshot };
      }
      previous?.model?.dispose();
      this.built = null;
      const model = await modelFromSnapshot(tf, snapshot);
      try {
        return { source: snapshot, key, model, inputShape: decoderInputShape(model), failure: null };
      } catch (error) {
        model.dispose();
        throw error;
      }
    } catch (error) {
      // Only a failed weight update leaves a model here, and no other object references it.
      this.built?.model?.dispose();
      return { source: snapshot, key, model: null, inputShape: null, failure: error as Error };
    }
  }
}

/** Runs one forward pass and returns the outputs as `rows` rows of 784 values. */
async function predictRows(tf: TensorFlow, model: LayersModel, inputShape: number[], latents: Float32Array, rows: number): Promise<Float32Array> {
  const output = tf.tidy(() => {
    const prediction = model.predict(tf.tensor(latents, [rows, ...inputShape]));
    // A decoder with several outputs has its image first.
    return Array.isArray(prediction) ? prediction[0] : prediction;
  });
  try {
    const values = (await output.data()) as Float32Array;
    if (values.length !== rows * IMAGE_PIXELS) {
      throw new RangeError(`the decoder outputs shape [${output.shape}], ${values.length / rows} values per vector; an image needs ${IMAGE_PIXELS}`);
    }
    return values;
  } finally {
    output.dispose();
  }
}

/** Returns the shape of the decoder's only input without the batch dimension. */
function decoderInputShape(model: LayersModel): number[] {
  if (model.inputs.length !== 1) throw new RangeError(`the decoder has ${model.inputs.length} inputs; it needs exactly one, the latent vector`);
  const shape = model.inputs[0].shape.slice(1);
  if (!shape.every((size): size is number => typeof size === 'number' && size > 0)) {
    throw new RangeError(`the decoder's input shape [${model.inputs[0].shape}] has an unknown size; it needs a fixed latent size`);
  }
  return shape;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
