// Step losses of a run in growable typed arrays: 12 bytes a step, so a run
// of millions of steps stays in tens of megabytes.

import { downsampleMinMax } from '../../shared/series/downsample';
import type { SeriesView } from '../../shared/series/downsample';
import type { StepLoss } from '../../shared/training';

const INITIAL_CAPACITY = 4096;

/** Step losses as three columns of equal length, in step order. */
export interface LossColumns {
  steps: Uint32Array;
  losses: Float32Array;
  /** Milliseconds from the start of the run to the end of each step. */
  elapsedMs: Uint32Array;
}

export class LossSeries implements SeriesView {
  private steps = new Uint32Array(INITIAL_CAPACITY);
  private losses = new Float32Array(INITIAL_CAPACITY);
  private elapsed = new Uint32Array(INITIAL_CAPACITY);
  private size = 0;

  get length(): number {
    return this.size;
  }

  step(index: number): number {
    return this.steps[index];
  }

  value(index: number): number {
    return this.losses[index];
  }

  last(): StepLoss | null {
    return this.size === 0 ? null : this.point(this.size - 1);
  }

  point(index: number): StepLoss {
    return { step: this.steps[index], loss: this.losses[index], elapsedMs: this.elapsed[index] };
  }

  append(points: readonly StepLoss[]): void {
    this.reserve(this.size + points.length);
    for (const point of points) {
      this.steps[this.size] = point.step;
      this.losses[this.size] = point.loss;
      this.elapsed[this.size] = point.elapsedMs;
      this.size++;
    }
  }

  /** Appends points stored column by column, such as a checkpoint's loss history, without building an object per point. */
  appendColumns(columns: LossColumns): void {
    const count = columns.steps.length;
    this.reserve(this.size + count);
    this.steps.set(columns.steps, this.size);
    this.losses.set(columns.losses, this.size);
    this.elapsed.set(columns.elapsedMs, this.size);
    this.size += count;
  }

  /** Copies the first `count` points out column by column. */
  columns(count = this.size): LossColumns {
    const end = Math.min(count, this.size);
    return { steps: this.steps.slice(0, end), losses: this.losses.slice(0, end), elapsedMs: this.elapsed.slice(0, end) };
  }

  /** Returns the points to show a joining viewer: all of them, or a min/max downsampling to at most `maxPoints`. */
  forDisplay(maxPoints: number): StepLoss[] {
    return downsampleMinMax(this, maxPoints).map((index) => this.point(index));
  }

  private reserve(capacity: number): void {
    if (capacity <= this.steps.length) return;
    const grown = Math.max(capacity, this.steps.length * 2);
    this.steps = copyInto(new Uint32Array(grown), this.steps);
    this.losses = copyInto(new Float32Array(grown), this.losses);
    this.elapsed = copyInto(new Uint32Array(grown), this.elapsed);
  }
}

function copyInto<T extends Uint32Array | Float32Array>(target: T, source: T): T {
  target.set(source);
  return target;
}
