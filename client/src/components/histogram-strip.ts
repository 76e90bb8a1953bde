// Draws one weight tensor's histograms over time as a heat map, as
// TensorBoard's histogram dashboard does: one column per snapshot, weight
// values from bottom to top, brighter where more weights fall.

import type { WeightHistogramEntry } from '../../../shared/protocol/frames';

/** Colour stops of the heat map from no weights to the densest bin, as RGB bytes. */
const HEAT_STOPS: readonly (readonly [number, number, number])[] = [
  [13, 17, 23],
  [170, 70, 20],
  [255, 170, 60],
  [255, 240, 200],
];

/** Colour blended into the row of value 0, so that the zero line stays visible. */
const ZERO_LINE = [140, 150, 165] as const;

/** The value range of one tensor over every kept snapshot. */
export interface ValueRange {
  min: number;
  max: number;
}

/** Returns the smallest minimum and largest maximum of tensor `tensor` over `entries`, or null when there are none. */
export function tensorRange(entries: readonly WeightHistogramEntry[], tensor: number): ValueRange | null {
  if (entries.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const entry of entries) {
    min = Math.min(min, entry.tensors[tensor].min);
    max = Math.max(max, entry.tensors[tensor].max);
  }
  return max > min ? { min, max } : { min: min - 1, max: max + 1 };
}

/**
 * Draws tensor `tensor` of every entry into `image`, one pixel column per
 * entry and the range's maximum at the top row. Each snapshot keeps its own
 * bin edges, so each pixel looks up the bin that contains its value. Each
 * column is scaled to its own densest bin, which shows the shape of every
 * distribution however much it narrows or widens.
 */
export function drawHistogramStrip(image: ImageData, entries: readonly WeightHistogramEntry[], tensor: number, range: ValueRange): void {
  const rows = image.height;
  const zeroRow = range.min < 0 && range.max > 0 ? Math.floor(((range.max - 0) / (range.max - range.min)) * rows) : -1;

  entries.slice(0, image.width).forEach((entry, column) => {
    const { min, max, shares } = entry.tensors[tensor];
    const bins = shares.length;
    const binWidth = (max - min) / bins;
    let densest = 0;
    for (const share of shares) densest = Math.max(densest, share);

    for (let row = 0; row < rows; row++) {
      const value = range.max - ((row + 0.5) / rows) * (range.max - range.min);
      const bin = Math.floor((value - min) / binWidth);
      const share = bin >= 0 && bin < bins ? shares[bin] : 0;
      let color = heatColor(densest > 0 ? share / densest : 0);
      if (row === zeroRow) color = blend(color, ZERO_LINE, 0.35);
      const offset = (row * image.width + column) * 4;
      image.data.set([color[0], color[1], color[2], 255], offset);
    }
  });
}

/** Returns the heat map's colour for `t` in [0, 1]. */
export function heatColor(t: number): [number, number, number] {
  const clamped = Math.max(0, Math.min(1, t));
  const position = clamped * (HEAT_STOPS.length - 1);
  const index = Math.min(HEAT_STOPS.length - 2, Math.floor(position));
  return blend(HEAT_STOPS[index], HEAT_STOPS[index + 1], position - index);
}

function blend(from: readonly number[], to: readonly number[], share: number): [number, number, number] {
  return [0, 1, 2].map((c) => Math.round(from[c] + (to[c] - from[c]) * share)) as [number, number, number];
}
