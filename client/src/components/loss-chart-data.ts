// Turns the loss history into the columns uPlot draws: the points inside the
// visible x range, downsampled to what the plot's width can show, merged with
// the validation loss of each epoch on one x axis.

import { downsampleMinMax } from '../../../shared/series/downsample';
import type { EpochSummary } from '../../../shared/training';

/** Quantity on the x axis: the global step, or the wall-clock time of the step. */
export type LossXAxis = 'step' | 'time';

/** Scale of the y axis; a log scale leaves out losses at or below 0. */
export type LossYScale = 'linear' | 'log';

/** The training loss history in three columns of equal length, in ascending step order. */
export interface LossColumns {
  steps: ArrayLike<number>;
  losses: ArrayLike<number>;
  /** Milliseconds from the start of the run to each step. */
  elapsedMs: ArrayLike<number>;
}

/** An x range: steps, or seconds since the Unix epoch on the time axis. */
export interface XRange {
  min: number;
  max: number;
}

export interface ChartDataOptions {
  xAxis: LossXAxis;
  yScale: LossYScale;
  /** Start of the run in milliseconds since the Unix epoch, for the time axis. */
  runStartedAt: number;
  /** Maximum number of training loss points in the result, at least 4. */
  maxPoints: number;
  /** Visible x range, or null for the whole run. */
  range: XRange | null;
}

/** Columns for uPlot: one x array and one array per series, all the same length. */
export interface ChartData {
  /** Step, or seconds since the Unix epoch, ascending. */
  x: number[];
  /** Global step of each column. */
  steps: number[];
  /** Training loss; null where only a validation point exists or the value cannot be drawn. */
  train: (number | null)[];
  /** Smoothed training loss at the same columns. */
  smoothed: (number | null)[];
  /** Validation loss at each epoch's last step; null everywhere else. */
  validation: (number | null)[];
  /** Number of non-null entries in `train`. */
  trainPoints: number;
  /** Number of non-null entries in `validation`. */
  validationPoints: number;
}

/** Returns the x value of each stored point on the chosen axis. */
export function xValues(columns: LossColumns, xAxis: LossXAxis, runStartedAt: number): Float64Array {
  const x = new Float64Array(columns.steps.length);
  for (let i = 0; i < x.length; i++) {
    x[i] = xAxis === 'step' ? columns.steps[i] : (runStartedAt + columns.elapsedMs[i]) / 1000;
  }
  return x;
}

/**
 * Builds the plotted columns. Inside the range, training losses are
 * downsampled with downsampleMinMax, which keeps each bucket's lowest and
 * highest loss, so spikes stay visible. One point beyond each end of the
 * range is kept so that lines run to the plot's edges. `smoothed` must be
 * the smoothing of every stored loss, as smoothLosses returns it.
 */
export function buildChartData(
  columns: LossColumns,
  smoothed: ArrayLike<number>,
  epochs: readonly EpochSummary[],
  options: ChartDataOptions,
): ChartData {
  const x = xValues(columns, options.xAxis, options.runStartedAt);
  const [first, last] = visibleIndices(x, options.range);
  const indices = sampleIndices(columns.losses, first, last, options.maxPoints);
  const validation = validationPoints(columns, epochs, options, validationWindow(x, first, last, options.range));
  const drawable = (value: number) => Number.isFinite(value) && (options.yScale === 'linear' || value > 0);

  const data: ChartData = { x: [], steps: [], train: [], smoothed: [], validation: [], trainPoints: 0, validationPoints: 0 };
  let v = 0;
  for (const index of indices) {
    while (v < validation.length && validation[v].x < x[index]) pushValidation(data, validation[v++], drawable);
    const loss = columns.losses[index];
    const epochHere = v < validation.length && validation[v].x === x[index] && validation[v].step === columns.steps[index] ? validation[v++] : null;
    data.x.push(x[index]);
    data.steps.push(columns.steps[index]);
    data.train.push(drawable(loss) ? loss : null);
    data.smoothed.push(drawable(smoothed[index]) ? smoothed[index] : null);
    data.validation.push(epochHere && drawable(epochHere.loss) ? epochHere.loss : null);
  }
  while (v < validation.length) pushValidation(data, validation[v++], drawable);

  data.trainPoints = data.train.filter((value) => value !== null).length;
  data.validationPoints = data.validation.filter((value) => value !== null).length;
  return data;
}

/** Returns the index of the last value at or below `target` in ascending `values`, or -1 when there is none. */
export function lastIndexAtOrBefore(values: ArrayLike<number>, target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (values[middle] <= target) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

/** One epoch's validation loss at its position on the x axis. */
interface ValidationPoint {
  x: number;
  step: number;
  loss: number;
}

/** Returns the x range whose validation points are drawn: all without a range, otherwise the drawn training points' span. */
function validationWindow(x: Float64Array, first: number, last: number, range: XRange | null): XRange | null {
  if (range === null) return null;
  return first <= last ? { min: x[first], max: x[last] } : range;
}

/** Returns the validation points inside `window` (all when it is null), in ascending x order. */
function validationPoints(columns: LossColumns, epochs: readonly EpochSummary[], options: ChartDataOptions, window: XRange | null): ValidationPoint[] {
  const points: ValidationPoint[] = [];
  for (const summary of epochs) {
    const x = epochX(columns, summary.step, options);
    if (x === null || (window !== null && (x < window.min || x > window.max))) continue;
    points.push({ x, step: summary.step, loss: summary.validationLoss });
  }
  return points.sort((a, b) => a.x - b.x);
}

/** Returns an epoch's x value: its step, or the time of the last stored point at or before that step. */
function epochX(columns: LossColumns, step: number, options: ChartDataOptions): number | null {
  if (options.xAxis === 'step') return step;
  const index = lastIndexAtOrBefore(columns.steps, step);
  return index < 0 ? null : (options.runStartedAt + columns.elapsedMs[index]) / 1000;
}

/** Returns the first and last index to draw for `range`, including one point beyond each end; first > last when none. */
function visibleIndices(x: Float64Array, range: XRange | null): [number, number] {
  if (range === null) return [0, x.length - 1];
  // The last point at or before the range's start is either on the edge or the one just beyond it.
  const first = lastIndexAtOrBefore(x, range.min);
  const afterLast = lastIndexAtOrBefore(x, range.max) + 1;
  return [Math.max(0, first), Math.min(x.length - 1, afterLast)];
}

/** Returns ascending indices in [first, last] of at most `maxPoints` points, keeping each bucket's lowest and highest loss. */
function sampleIndices(losses: ArrayLike<number>, first: number, last: number, maxPoints: number): number[] {
  if (first > last) return [];
  const view = { length: last - first + 1, step: (i: number) => first + i, value: (i: number) => losses[first + i] };
  return downsampleMinMax(view, maxPoints).map((i) => first + i);
}

function pushValidation(data: ChartData, point: ValidationPoint, drawable: (value: number) => boolean): void {
  data.x.push(point.x);
  data.steps.push(point.step);
  data.train.push(null);
  data.smoothed.push(null);
  data.validation.push(drawable(point.loss) ? point.loss : null);
}
