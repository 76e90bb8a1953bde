// Decodes gallery submissions in batches. Submissions that arrive within a
// few milliseconds of each other share one forward pass of the decoder and
// one database transaction, and their replies and broadcast go out together,
// so the per-request cost stays small under a flood.

import { decodeToPixels } from '../../shared/latent/decode';
import type { ModeratedGalleryItem, SubmissionFields } from '../../shared/gallery';
import { quantiseNetwork } from '../../shared/protocol/frames';
import { IMAGE_PIXELS } from '../../shared/training';
import type { NetworkWeights } from '../../shared/training';
import type { HostMetrics } from '../http/metrics';
import type { Logger } from '../log';
import { encodePng } from './images';
import type { GalleryStore, NewItem } from './store';

/** Milliseconds a batch stays open for more submissions after its first one. */
export const BATCH_WINDOW_MS = 2;

/** Maximum submissions in one batch; more wait for the next. */
export const MAX_BATCH = 512;

/** Raised when no decoder weights exist yet, before the first epoch of a run ends. */
export class DecoderUnavailableError extends Error {
  override name = 'DecoderUnavailableError';
}

/** Source of the decoder weights and receiver of stored items. */
export interface BatcherSource {
  /** The host's latest decoder weights at float32 precision, or null before the first snapshot. */
  decoderWeights(): NetworkWeights | null;
  /** Id of the run the weights belong to. */
  runId(): string;
  /** Called with each batch right after it is committed, to broadcast it. */
  stored(items: ModeratedGalleryItem[]): void;
}

interface Pending {
  fields: SubmissionFields;
  viewerId: string;
  resolve: (item: ModeratedGalleryItem) => void;
  reject: (error: Error) => void;
}

// TODO: accepted submissions reach 1,242/s over HTTP (p99 122 ms) here, short of 2,000/s at
// p99 100 ms. HTTP handling and response writes dominate the profile (docs/benchmarks.md).
export class SubmissionBatcher {
  /** Forward passes of the decoder so far; fewer than submissions when batching works. */
  decodePasses = 0;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private quantised: { source: NetworkWeights; weights: NetworkWeights } | null = null;

  constructor(
    private readonly store: GalleryStore,
    private readonly source: BatcherSource,
    private readonly metrics: HostMetrics,
    private readonly log: Logger,
  ) {}

  /** Whether decoder weights exist, so that a submission can be decoded. */
  get ready(): boolean {
    return this.source.decoderWeights() !== null;
  }

  /**
   * Queues one checked submission and resolves with the stored item once its
   * batch is committed. Rejects with DecoderUnavailableError before the first
   * decoder weights exist.
   */
  submit(fields: SubmissionFields, viewerId: string): Promise<ModeratedGalleryItem> {
    if (!this.ready) return Promise.reject(decoderUnavailable());
    return new Promise((resolve, reject) => {
      this.queue.push({ fields, viewerId, resolve, reject });
      if (this.queue.length >= MAX_BATCH) this.flushSoon(0);
      else this.flushSoon(BATCH_WINDOW_MS);
    });
  }

  /** Rejects every queued submission; for shutdown. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const queued = this.queue;
    this.queue = [];
    queued.forEach((pending) => pending.reject(new Error('the host is shutting down; submit again when it is back')));
  }

  private flushSoon(delay: number): void {
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, delay);
  }

  private flush(): void {
    const batch = this.queue.splice(0, MAX_BATCH);
    if (this.queue.length > 0) this.flushSoon(0);
    if (batch.length === 0) return;

    try {
      const items = this.decodeAndStore(batch);
      batch.forEach((pending, index) => pending.resolve(items[index]));
    } catch (error) {
      this.log.error({ err: error, batch: batch.length }, 'gallery batch failed');
      batch.forEach((pending) => pending.reject(error as Error));
    }
  }

  private decodeAndStore(batch: Pending[]): ModeratedGalleryItem[] {
    const weights = this.currentWeights();
    if (!weights) throw decoderUnavailable();

    const pixels = this.decode(weights, batch);
    const pngs = batch.map((_, index) => encodePng(pixels.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS)));

    const runId = this.source.runId();
    const createdAt = Date.now();
    const rows: NewItem[] = batch.map((pending, index) => ({
      viewerId: pending.viewerId,
      title: pending.fields.title,
      z: pending.fields.z,
      png: pngs[index],
      step: weights.step,
      runId,
      createdAt,
    }));

    // The commit happens before any viewer hears of the items, so an
    // acknowledged item survives the host being killed right after.
    const items = this.store.insertMany(rows);
    this.source.stored(items);
    return items;
  }

  private decode(weights: NetworkWeights, batch: Pending[]): Uint8Array {
    const latentSize = weights.layers[0].inputs;
    const latents = new Float32Array(batch.length * latentSize);
    batch.forEach((pending, index) => latents.set(pending.fields.z, index * latentSize));

    const pixels = decodeToPixels(weights, latents, batch.length);
    this.decodePasses++;
    this.metrics.galleryDecoded(batch.length);
    return pixels;
  }

  /**
   * Returns the latest decoder weights rounded to int8 steps as pages receive
   * them, so the stored image is the one a page decodes. The rounding runs
   * once per weight snapshot.
   */
  private currentWeights(): NetworkWeights | null {
    const source = this.source.decoderWeights();
    if (!source) return null;
    if (this.quantised?.source !== source) this.quantised = { source, weights: quantiseNetwork(source) };
    return this.quantised.weights;
  }
}

export function decoderUnavailable(): DecoderUnavailableError {
  return new DecoderUnavailableError('the model has no decoder weights yet; they arrive when the first epoch ends, so retry in a few seconds');
}
