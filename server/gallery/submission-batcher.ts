// Decodes gallery submissions in batches. Submissions that arrive within a
// few milliseconds of each other share the decoder's forward passes and one
// database transaction, and their replies and broadcast go out together,
// so the per-request cost stays small under a flood. One batch is decoded
// at a time; submissions that arrive meanwhile wait for the next.

import type { ModeratedGalleryItem, SubmissionFields } from '../../shared/gallery';
import { quantiseSnapshot } from '../../shared/protocol/frames';
import { IMAGE_PIXELS } from '../../shared/training';
import type { ModelSnapshot } from '../../shared/training';
import type { HostMetrics } from '../http/metrics';
import type { Logger } from '../log';
import { mainThreadTensorFlow } from '../tensorflow/main-thread';
import { encodePng } from './images';
import { SnapshotDecoder } from './snapshot-decoder';
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
  /** The host's latest decoder snapshot at float32 precision, or null before the first one. */
  decoderWeights(): ModelSnapshot | null;
  /** Id of the run the weights belong to. */
  runId(): string;
  /** Whether new items wait for the host's approval. */
  approvalRequired(): boolean;
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
  /** True while a batch is being decoded; the next flush waits for it. */
  private decoding = false;
  private closed = false;
  private quantised: { source: ModelSnapshot; snapshot: ModelSnapshot } | null = null;
  private readonly decoder: SnapshotDecoder;

  constructor(
    private readonly store: GalleryStore,
    private readonly source: BatcherSource,
    private readonly metrics: HostMetrics,
    private readonly log: Logger,
  ) {
    const countPass = (vectors: number) => {
      this.decodePasses++;
      this.metrics.galleryDecoded(vectors);
    };
    this.decoder = new SnapshotDecoder(async () => (await mainThreadTensorFlow(log)).tf, countPass);
  }

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
    if (this.closed) return Promise.reject(shuttingDown());
    if (!this.ready) return Promise.reject(decoderUnavailable());
    return new Promise((resolve, reject) => {
      this.queue.push({ fields, viewerId, resolve, reject });
      if (this.queue.length >= MAX_BATCH) this.flushSoon(0);
      else this.flushSoon(BATCH_WINDOW_MS);
    });
  }

  /** Rejects every queued submission and any batch still decoding, and releases the decoder; for shutdown. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const queued = this.queue;
    this.queue = [];
    queued.forEach((pending) => pending.reject(shuttingDown()));
    if (!this.decoding) this.decoder.dispose();
  }

  private flushSoon(delay: number): void {
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }

  private async flush(): Promise<void> {
    if (this.decoding) return;
    const batch = this.queue.splice(0, MAX_BATCH);
    if (batch.length === 0) return;

    this.decoding = true;
    try {
      const items = await this.decodeAndStore(batch);
      batch.forEach((pending, index) => pending.resolve(items[index]));
    } catch (error) {
      if (!this.closed) this.log.error({ err: error, batch: batch.length }, 'gallery batch failed');
      batch.forEach((pending) => pending.reject(error as Error));
    } finally {
      this.decoding = false;
      if (this.closed) this.decoder.dispose();
      else if (this.queue.length > 0) this.flushSoon(0);
    }
  }

  private async decodeAndStore(batch: Pending[]): Promise<ModeratedGalleryItem[]> {
    const snapshot = this.currentSnapshot();
    if (!snapshot) throw decoderUnavailable();

    const pixels = await this.decode(snapshot, batch);
    // The store closes right after the batcher at shutdown.
    if (this.closed) throw shuttingDown();
    const pngs = batch.map((_, index) => encodePng(pixels.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS)));

    const runId = this.source.runId();
    const awaitingApproval = this.source.approvalRequired();
    const createdAt = Date.now();
    const rows: NewItem[] = batch.map((pending, index) => ({
      viewerId: pending.viewerId,
      title: pending.fields.title,
      z: pending.fields.z,
      png: pngs[index],
      step: snapshot.step,
      runId,
      createdAt,
      pending: awaitingApproval,
    }));

    // The commit happens before any viewer hears of the items, so an
    // acknowledged item survives the host being killed right after.
    const items = this.store.insertMany(rows);
    this.source.stored(items);
    return items;
  }

  private async decode(snapshot: ModelSnapshot, batch: Pending[]): Promise<Uint8Array> {
    const latentSize = batch[0].fields.z.length;
    const latents = new Float32Array(batch.length * latentSize);
    batch.forEach((pending, index) => latents.set(pending.fields.z, index * latentSize));

    return this.decoder.decode(snapshot, latents, batch.length);
  }

  /**
   * Returns the latest decoder snapshot rounded to int8 steps as pages
   * receive it, so the stored image is the one a page decodes. The rounding
   * runs once per snapshot.
   */
  private currentSnapshot(): ModelSnapshot | null {
    const source = this.source.decoderWeights();
    if (!source) return null;
    if (this.quantised?.source !== source) this.quantised = { source, snapshot: quantiseSnapshot(source) };
    return this.quantised.snapshot;
  }
}

export function decoderUnavailable(): DecoderUnavailableError {
  return new DecoderUnavailableError('the model has no decoder weights yet; they arrive when the first epoch ends, so retry in a few seconds');
}

function shuttingDown(): Error {
  return new Error('the host is shutting down; submit again when it is back');
}
