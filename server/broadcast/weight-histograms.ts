// Histograms of every weight tensor of the encoder and the decoder, one set
// per weight snapshot the host broadcasts. They are kept for the run, so a
// viewer who joins late can follow the weights from their initial values.

import type {
  TensorHistogram,
  WeightHistogramAddedBody,
  WeightHistogramEntry,
  WeightHistogramHistoryBody,
  WeightHistogramLayout,
} from '../../shared/protocol/frames';
import { ThinnedHistory } from './thinned-history';

/** Bins per histogram. */
export const WEIGHT_HISTOGRAM_BINS = 30;

/**
 * Maximum number of histogram sets kept per run. An entry costs 8 + 2 × 30 bytes per
 * tensor: 100 entries of the default dense model's 4 tensors are 27 KB, and
 * of the 16 tensors of `--model deep` 109 KB, on the host and in each page.
 */
export const WEIGHT_HISTOGRAM_CAPACITY = 100;

/** Largest bin share, which stands for all of a tensor's values. */
const FULL_SHARE = 0xffff;

/** One weight tensor's name and values, such as `encoder/dense_Dense1/kernel`. */
export interface NamedTensor {
  name: string;
  values: Float32Array;
}

/** Outcome of `WeightHistogramHistory.add`: an appended entry, a history started again for another model, or a skipped stale entry. */
export type HistogramAddResult = 'added' | 'reset' | 'skipped';

/**
 * The histogram sets of one run. A snapshot whose tensors differ in name or
 * size from the kept ones, or whose step is not after the newest, starts the
 * history again, because it belongs to another model or a new run.
 */
export class WeightHistogramHistory {
  private layout: WeightHistogramLayout | null = null;
  private readonly history: ThinnedHistory<WeightHistogramEntry>;
  /** Incremented on every change, so encoded snapshots can be cached. */
  version = 0;

  constructor(
    readonly capacity = WEIGHT_HISTOGRAM_CAPACITY,
    readonly bins = WEIGHT_HISTOGRAM_BINS,
  ) {
    this.history = new ThinnedHistory(capacity);
  }

  /** Number of histogram sets kept. */
  get length(): number {
    return this.history.length;
  }

  /** Computes the histograms of `tensors` at `step` and records them. */
  add(step: number, tensors: readonly NamedTensor[]): HistogramAddResult {
    const layout: WeightHistogramLayout = { names: tensors.map((t) => t.name), sizes: tensors.map((t) => t.values.length), bins: this.bins };
    const lastStep = this.history.lastStep;
    if (lastStep !== null && step === lastStep && this.layout !== null && sameLayout(layout, this.layout)) return 'skipped';

    let result: HistogramAddResult = 'added';
    if (this.layout === null || !sameLayout(layout, this.layout) || (lastStep !== null && step < lastStep)) {
      this.history.clear();
      this.layout = layout;
      result = 'reset';
    }
    this.history.add({ step, tensors: tensors.map((tensor) => tensorHistogram(tensor.values, this.bins)) });
    this.version++;
    return result;
  }

  /** Forgets every histogram set, for a new run. */
  clear(): void {
    this.layout = null;
    this.history.clear();
    this.version++;
  }

  /** Returns the body of the frame that replaces a page's history, or null before the first snapshot. */
  historyBody(): WeightHistogramHistoryBody | null {
    if (this.layout === null) return null;
    return { capacity: this.capacity, ...this.layout, entries: this.history.entries() };
  }

  /** Returns the body of the frame for the newest entry, or null before the first snapshot. */
  addedBody(): WeightHistogramAddedBody | null {
    const entries = this.history.entries();
    const entry = entries.at(-1);
    if (this.layout === null || entry === undefined) return null;
    return { ...this.layout, entry, retainedSteps: entries.map((kept) => kept.step) };
  }
}

/**
 * Returns the histogram of `values` in `bins` equal bins from their minimum to
 * their maximum. Non-finite values are left out. When every value is the
 * same (a bias at its initial zero), the range is widened a little around it
 * so that the bins have a width.
 */
export function tensorHistogram(values: Float32Array, bins: number): TensorHistogram {
  let min = Infinity;
  let max = -Infinity;
  let finite = 0;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
    finite++;
  }

  const shares = new Uint16Array(bins);
  if (finite === 0) return { min: 0, max: 0, shares };
  if (min === max) {
    const pad = Math.max(1e-6, Math.abs(min) * 1e-3);
    min -= pad;
    max += pad;
  }

  const counts = new Float64Array(bins);
  const width = (max - min) / bins;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    counts[Math.min(bins - 1, Math.floor((value - min) / width))]++;
  }
  for (let b = 0; b < bins; b++) shares[b] = Math.round((counts[b] / finite) * FULL_SHARE);
  return { min, max, shares };
}

function sameLayout(a: WeightHistogramLayout, b: WeightHistogramLayout): boolean {
  return a.bins === b.bins && a.names.length === b.names.length && a.names.every((name, i) => name === b.names[i] && a.sizes[i] === b.sizes[i]);
}
