// A made-up training run encoded with the real frame encoders, for feeding a
// page or a store far more updates than a real host trains in a test.

import type { GalleryItem } from '../../shared/gallery';
import {
  encodeEpochs,
  encodeGalleryItems,
  encodeGalleryVotes,
  encodeHello,
  encodeLatentMap,
  encodeProbes,
  encodeReconstructions,
  encodeStatus,
  encodeStepLosses,
} from '../../shared/protocol/frames';
import { IMAGE_PIXELS } from '../../shared/training';
import type { HostStatus, LatentMap, RunConfig, StepLoss } from '../../shared/training';

/** Loss points in each update's StepLosses frame. */
export const POINTS_PER_UPDATE = 10;

/** Probe images of the synthetic run, the host's default count. */
const PROBES = 8;

/** Latent codes per latent map, the host's maximum. */
const MAP_CODES = 1000;

const LABEL_NAMES = ['square', 'circle', 'triangle', 'star', 'line'];

export const SYNTHETIC_CONFIG: RunConfig = {
  dataset: 'shapes',
  shapesCount: 1000,
  model: 'dense',
  hidden: [],
  latent: 8,
  loss: 'bce',
  optimizer: 'adam',
  learningRate: 0.001,
  epsilon: 1e-7,
  batchSize: 32,
  epochs: 1_000_000,
  validationSplit: 0.1,
  seed: 1,
  backend: 'cpu',
  denoise: 0,
  modelFile: null,
};

/**
 * Frames of a run that advances POINTS_PER_UPDATE steps per update. `runId`
 * distinguishes two runs, as a host restart does.
 */
export class SyntheticRun {
  private seq = 0;
  private update = 0;

  constructor(readonly runId = 'synthetic-run') {}

  /** Training step after the latest update. */
  get step(): number {
    return this.update * POINTS_PER_UPDATE;
  }

  status(): HostStatus {
    return {
      state: 'training',
      stateReason: null,
      backend: { name: 'cpu', reason: 'synthetic run' },
      dataset: { name: 'shapes', trainCount: 900, validationCount: 100, labelNames: LABEL_NAMES },
      model: 'dense',
      layerSizes: [784, 8, 784],
      latent: 8,
      epoch: Math.floor(this.update / 50),
      epochs: SYNTHETIC_CONFIG.epochs,
      step: this.step,
      lastLoss: lossAt(this.step),
      lastValidationLoss: null,
      viewers: 1,
      runStartedAt: 0,
      runId: this.runId,
      runReason: 'host start',
      learningRate: 0.001,
      earlierRuns: [],
      modelFileError: null,
    };
  }

  /** Returns the frames a joining page receives: Hello, then the probe images. */
  joinFrames(): Uint8Array[] {
    const images = new Uint8Array(PROBES * IMAGE_PIXELS).map((_, i) => (i * 7) % 256);
    const labels = Uint8Array.from({ length: PROBES }, (_, i) => i % LABEL_NAMES.length);
    return [encodeHello(this.next(), { config: SYNTHETIC_CONFIG, status: this.status() }), encodeProbes(this.next(), { count: PROBES, images, labels })];
  }

  /**
   * Advances one update and returns its frames: step losses and a status
   * every time, an epoch and reconstructions every 50 updates, a gallery item
   * and votes every 20, and a latent map every 200.
   */
  nextUpdate(): Uint8Array[] {
    const first = this.step + 1;
    this.update++;
    const points: StepLoss[] = Array.from({ length: POINTS_PER_UPDATE }, (_, i) => ({ step: first + i, loss: lossAt(first + i), elapsedMs: first + i }));
    const frames = [encodeStepLosses(this.next(), points), encodeStatus(this.next(), this.status())];

    if (this.update % 50 === 0) frames.push(...this.epochFrames());
    if (this.update % 20 === 0) frames.push(...this.galleryFrames());
    if (this.update % 200 === 0) frames.push(encodeLatentMap(this.next(), this.latentMap()));
    return frames;
  }

  private epochFrames(): Uint8Array[] {
    const epoch = this.update / 50;
    const summary = { epoch, step: this.step, trainLoss: lossAt(this.step), validationLoss: lossAt(this.step) * 1.05, seconds: 1, samplesPerSecond: 1000 };
    const outputs = new Uint8Array(PROBES * IMAGE_PIXELS).map((_, i) => (i + epoch) % 256);
    return [encodeEpochs(this.next(), [summary]), encodeReconstructions(this.next(), { epoch, step: this.step, count: PROBES, outputs })];
  }

  private galleryFrames(): Uint8Array[] {
    const id = this.update / 20;
    const item: GalleryItem = { id, title: `item ${id}`, z: Array.from({ length: 8 }, (_, d) => Math.sin(id + d)), step: this.step, runId: this.runId, createdAt: id, votes: 0 };
    return [encodeGalleryItems(this.next(), [item]), encodeGalleryVotes(this.next(), [{ id, votes: id % 7 }])];
  }

  private latentMap(): LatentMap {
    const dims = 8;
    const codes = Float32Array.from({ length: MAP_CODES * dims }, (_, i) => Math.sin(i * 0.37 + this.update));
    const labels = Uint8Array.from({ length: MAP_CODES }, (_, i) => i % LABEL_NAMES.length);
    const constant = (value: number) => new Float32Array(dims).fill(value);
    return { epoch: this.update / 50, step: this.step, dims, count: MAP_CODES, codes, labels, min: constant(-1), max: constant(1), mean: constant(0), std: constant(0.7) };
  }

  private next(): number {
    return ++this.seq;
  }
}

/** Returns the loss at `step` on a falling, noisy curve. */
function lossAt(step: number): number {
  return 0.1 + 0.5 / Math.sqrt(1 + step / 100) + 0.01 * Math.sin(step * 1.3);
}
