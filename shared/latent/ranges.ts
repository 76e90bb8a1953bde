// Slider ranges and random vectors for the latent explorer, taken from the
// model: the prior of a VAE, or the codes a plain autoencoder produced for
// validation images.

import type { LatentMap, ModelKind } from '../training';

/**
 * The kind of model whose latent space is explored. `vae` is listed ahead of
 * the trainer building one, so that the explorer already has its prior.
 */
export type LatentModelKind = ModelKind | 'vae';

/** Closed interval of one latent dimension's slider. */
export interface LatentRange {
  min: number;
  max: number;
}

/** Centre and spread of each dimension, for random vectors and the random walk. */
export interface LatentSpread {
  /** Centre of each dimension: the prior's mean, or the mean of the codes. */
  mean: number[];
  /** Standard deviation of each dimension: the prior's, or that of the codes. */
  std: number[];
}

/** Half-width of a VAE slider, in standard deviations of the N(0, 1) prior; ±3σ contains 99.7% of its mass. */
export const PRIOR_SIGMAS = 3;

/** Padding added on each side of the observed codes, as a fraction of their span. */
export const RANGE_PADDING = 0.05;

/** Half-width of the range of a dimension whose codes are all equal, such as a dead ReLU unit. */
export const DEAD_DIMENSION_HALF_WIDTH = 0.5;

/** Spans below this count as a dead dimension; float32 codes that differ by less are rounding. */
const MIN_SPAN = 1e-6;

/**
 * Returns one slider range per latent dimension.
 *
 * A VAE's codes follow its N(0, 1) prior, so every slider spans ±3σ. A plain
 * autoencoder has no prior, so its sliders span the observed minimum and
 * maximum of the validation codes, padded by 5% on each side. A dimension
 * whose codes are all equal (a dead ReLU unit) gets ±0.5 around that value, so
 * its slider still moves. Until the first latent map arrives, an
 * autoencoder's sliders span [-1, 1].
 */
export function latentRanges(kind: LatentModelKind, dims: number, map: LatentMap | null): LatentRange[] {
  if (kind === 'vae') return Array.from({ length: dims }, () => ({ min: -PRIOR_SIGMAS, max: PRIOR_SIGMAS }));
  // NOTE: [-1, 1] is a placeholder for the moment before the first map; the host sends one at the start of the run.
  if (map === null || map.dims !== dims || map.count === 0) return Array.from({ length: dims }, () => ({ min: -1, max: 1 }));

  return Array.from({ length: dims }, (_, d) => {
    const span = map.max[d] - map.min[d];
    if (!(span >= MIN_SPAN)) {
      const centre = Number.isFinite(map.min[d]) ? (map.min[d] + map.max[d]) / 2 : 0;
      return { min: centre - DEAD_DIMENSION_HALF_WIDTH, max: centre + DEAD_DIMENSION_HALF_WIDTH };
    }
    return { min: map.min[d] - span * RANGE_PADDING, max: map.max[d] + span * RANGE_PADDING };
  });
}

/** Returns true for each dimension whose validation codes are all equal, such as a dead ReLU unit. */
export function deadDimensions(map: LatentMap | null, dims: number): boolean[] {
  if (map === null || map.dims !== dims || map.count === 0) return new Array<boolean>(dims).fill(false);
  return Array.from({ length: dims }, (_, d) => !(map.max[d] - map.min[d] >= MIN_SPAN));
}

/** Returns the distribution random vectors are drawn from: the N(0, 1) prior of a VAE, else the mean and std of the codes. */
export function latentSpread(kind: LatentModelKind, dims: number, map: LatentMap | null): LatentSpread {
  if (kind === 'vae' || map === null || map.dims !== dims || map.count === 0) {
    return { mean: new Array<number>(dims).fill(0), std: new Array<number>(dims).fill(1) };
  }
  return { mean: Array.from(map.mean), std: Array.from(map.std) };
}

/**
 * Draws a vector with each dimension from N(mean, std²), clipped to its range.
 *
 * @param random uniform numbers in [0, 1), such as Math.random; a seeded one makes the draw repeatable
 */
export function randomVector(spread: LatentSpread, ranges: readonly LatentRange[], random: () => number = Math.random): number[] {
  return ranges.map((range, d) => clamp(spread.mean[d] + spread.std[d] * standardNormal(random), range));
}

/** Returns the vector's middle: the mean of each dimension clipped to its range. */
export function centreVector(spread: LatentSpread, ranges: readonly LatentRange[]): number[] {
  return ranges.map((range, d) => clamp(spread.mean[d], range));
}

/** Returns `value` limited to the range. */
export function clamp(value: number, range: LatentRange): number {
  return Math.min(range.max, Math.max(range.min, value));
}

/** Draws one value from N(0, 1) by the Box–Muller transform. */
export function standardNormal(random: () => number = Math.random): number {
  // 1 − u lies in (0, 1], so the logarithm stays finite.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
