// The page's record of the training loss. It keeps every point while the run
// is short. Past a cap it downsamples by step, keeping each bucket's minimum
// and maximum, so a run of millions of steps costs the page a fixed amount of
// memory and a fixed amount of work per chart redraw.

import type { StepLoss } from '../../../shared/training';

/** Default cap on the points the page keeps: 50,000 points of 24 bytes, about 1.2 MB. */
export const LOSS_HISTORY_MAX_POINTS = 50_000;

/** Smallest cap that leaves room for the first and last point and a few buckets. */
const MIN_MAX_POINTS = 16;

/**
 * Step, loss and elapsed time of the loss points the page keeps, in three
 * columns in ascending step order.
 *
 * When an append takes the count above `maxPoints`, the points between the
 * first and the last are grouped into `maxPoints / 4` buckets of equal step
 * width, and each bucket keeps its lowest and its highest loss. The count
 * then drops to about half the cap, and spikes survive however long the run
 * grows. Buckets are equal in steps, not in points, so repeated compactions
 * keep the resolution even along the run instead of thinning old parts more.
 *
 * The column getters return new views after every change, so a component
 * that compares references detects each update.
 */
export class LossHistory {
  /** Cap on the number of points kept, at least 16. */
  readonly maxPoints: number;

  private stepBuffer: Float64Array;
  private lossBuffer: Float64Array;
  private elapsedBuffer: Float64Array;
  private size: number;
  private compactions: number;
  private views: { steps: Float64Array; losses: Float64Array; elapsedMs: Float64Array };

  constructor(maxPoints = LOSS_HISTORY_MAX_POINTS) {
    if (!Number.isInteger(maxPoints) || maxPoints < MIN_MAX_POINTS) {
      throw new RangeError(`maxPoints ${maxPoints} is invalid; pass an integer of at least ${MIN_MAX_POINTS}`);
    }
    this.maxPoints = maxPoints;
    const capacity = Math.min(1024, maxPoints + 1);
    this.stepBuffer = new Float64Array(capacity);
    this.lossBuffer = new Float64Array(capacity);
    this.elapsedBuffer = new Float64Array(capacity);
    this.size = 0;
    this.compactions = 0;
    this.views = this.makeViews();
  }

  /** Number of points kept. */
  get length(): number {
    return this.size;
  }

  /** Global step of each point, strictly ascending. */
  get steps(): Float64Array {
    return this.views.steps;
  }

  /** Training loss of each point, as sent (float32 precision, may be non-finite). */
  get losses(): Float64Array {
    return this.views.losses;
  }

  /** Milliseconds from the start of the run to each point. */
  get elapsedMs(): Float64Array {
    return this.views.elapsedMs;
  }

  /** Number of times the history was downsampled; 0 while every point received is kept. */
  get compactionCount(): number {
    return this.compactions;
  }

  /** Step of the newest point, or undefined while empty. */
  get lastStep(): number | undefined {
    return this.size > 0 ? this.stepBuffer[this.size - 1] : undefined;
  }

  /** Newest point, or null while empty. */
  last(): StepLoss | null {
    if (this.size === 0) return null;
    const index = this.size - 1;
    return { step: this.stepBuffer[index], loss: this.lossBuffer[index], elapsedMs: this.elapsedBuffer[index] };
  }

  /**
   * Appends points whose steps are after the newest kept step and returns how
   * many were skipped because they were not, since the chart needs ascending x values.
   */
  append(points: readonly StepLoss[]): number {
    let skipped = 0;
    for (const point of points) {
      const lastStep = this.lastStep;
      if (lastStep !== undefined && point.step <= lastStep) {
        skipped++;
        continue;
      }
      this.push(point);
      if (this.size > this.maxPoints) this.compact();
    }
    this.views = this.makeViews();
    return skipped;
  }

  private push(point: StepLoss): void {
    if (this.size === this.stepBuffer.length) this.grow();
    this.stepBuffer[this.size] = point.step;
    this.lossBuffer[this.size] = point.loss;
    this.elapsedBuffer[this.size] = point.elapsedMs;
    this.size++;
  }

  private grow(): void {
    const capacity = Math.min(this.stepBuffer.length * 2, this.maxPoints + 1);
    this.stepBuffer = grownCopy(this.stepBuffer, capacity, this.size);
    this.lossBuffer = grownCopy(this.lossBuffer, capacity, this.size);
    this.elapsedBuffer = grownCopy(this.elapsedBuffer, capacity, this.size);
  }

  // Rewrites the columns in place; a kept index is never ahead of the index it is read from.
  private compact(): void {
    const kept = minMaxByStep(this.stepBuffer, this.lossBuffer, this.size, Math.floor(this.maxPoints / 4));
    kept.forEach((from, to) => {
      this.stepBuffer[to] = this.stepBuffer[from];
      this.lossBuffer[to] = this.lossBuffer[from];
      this.elapsedBuffer[to] = this.elapsedBuffer[from];
    });
    this.size = kept.length;
    this.compactions++;
  }

  private makeViews() {
    return {
      steps: this.stepBuffer.subarray(0, this.size),
      losses: this.lossBuffer.subarray(0, this.size),
      elapsedMs: this.elapsedBuffer.subarray(0, this.size),
    };
  }
}

/**
 * Returns the indices to keep, ascending: the first and the last point, and
 * for each of `buckets` equal step ranges between them, the points with the
 * lowest and the highest finite loss. Non-finite losses inside are dropped.
 */
export function minMaxByStep(steps: ArrayLike<number>, losses: ArrayLike<number>, length: number, buckets: number): number[] {
  if (length <= 2) return Array.from({ length }, (_, i) => i);

  const firstStep = steps[1];
  const width = (steps[length - 2] - firstStep + 1) / buckets;
  const low = new Int32Array(buckets).fill(-1);
  const high = new Int32Array(buckets).fill(-1);

  for (let i = 1; i < length - 1; i++) {
    if (!Number.isFinite(losses[i])) continue;
    const bucket = Math.min(buckets - 1, Math.floor((steps[i] - firstStep) / width));
    if (low[bucket] < 0 || losses[i] < losses[low[bucket]]) low[bucket] = i;
    if (high[bucket] < 0 || losses[i] > losses[high[bucket]]) high[bucket] = i;
  }

  const kept = [0];
  for (let bucket = 0; bucket < buckets; bucket++) {
    if (low[bucket] < 0) continue;
    kept.push(Math.min(low[bucket], high[bucket]));
    if (high[bucket] !== low[bucket]) kept.push(Math.max(low[bucket], high[bucket]));
  }
  kept.push(length - 1);
  return kept;
}

function grownCopy(source: Float64Array, capacity: number, used: number): Float64Array {
  const grown = new Float64Array(capacity);
  grown.set(source.subarray(0, used));
  return grown;
}
