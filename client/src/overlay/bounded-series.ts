// A loss series with a fixed capacity, for a page that runs for hours. When
// it fills up, it keeps each bucket's minimum and maximum in half of it. Older
// history gets coarser, while spikes and the newest points survive.

import { downsampleMinMax } from '../../../shared/series/downsample';
import type { SeriesView } from '../../../shared/series/downsample';

/** Smallest capacity, which leaves room for the ends and a few min/max buckets after a compaction. */
const MIN_CAPACITY = 16;

export class BoundedSeries implements SeriesView {
  /** Most points kept; memory is two Float64Arrays of this length, allocated once. */
  readonly capacity: number;

  private readonly stepBuffer: Float64Array;
  private readonly valueBuffer: Float64Array;
  private size: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY) {
      throw new RangeError(`series capacity ${capacity} is invalid; use an integer of at least ${MIN_CAPACITY}`);
    }
    this.capacity = capacity;
    this.stepBuffer = new Float64Array(capacity);
    this.valueBuffer = new Float64Array(capacity);
    this.size = 0;
  }

  get length(): number {
    return this.size;
  }

  /** Step of the newest point, or undefined when empty. */
  get lastStep(): number | undefined {
    return this.size > 0 ? this.stepBuffer[this.size - 1] : undefined;
  }

  step(index: number): number {
    return this.stepBuffer[index];
  }

  value(index: number): number {
    return this.valueBuffer[index];
  }

  /** Appends one point; the caller keeps steps ascending. Compacts first when full. */
  push(step: number, value: number): void {
    if (this.size === this.capacity) this.compact();
    this.stepBuffer[this.size] = step;
    this.valueBuffer[this.size] = value;
    this.size++;
  }

  clear(): void {
    this.size = 0;
  }

  /** Returns a view of the filled steps; it shares memory and changes with later pushes. */
  steps(): Float64Array {
    return this.stepBuffer.subarray(0, this.size);
  }

  /** Returns a view of the filled values; it shares memory and changes with later pushes. */
  values(): Float64Array {
    return this.valueBuffer.subarray(0, this.size);
  }

  // Kept indices ascend and never pass their new position, so copying forward in place is safe.
  private compact(): void {
    const kept = downsampleMinMax(this, Math.floor(this.capacity / 2));
    kept.forEach((source, target) => {
      this.stepBuffer[target] = this.stepBuffer[source];
      this.valueBuffer[target] = this.valueBuffer[source];
    });
    this.size = kept.length;
  }
}
