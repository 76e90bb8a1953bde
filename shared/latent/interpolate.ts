// Interpolation between two latent vectors, for the explorer's morph.

/** Path of a morph from A to B: the straight line, or the great circle between the two directions. */
export type InterpolationKind = 'linear' | 'spherical';

/** Below this angle between A and B, in radians, slerp divides by almost zero, so it falls back to lerp. */
const PARALLEL_ANGLE = 1e-4;

/** Returns (1 − t)·a + t·b for each dimension; `t` in [0, 1] stays between the two, other values extrapolate. */
export function lerp(a: readonly number[], b: readonly number[], t: number): number[] {
  checkSameLength(a, b);
  return a.map((value, index) => value + (b[index] - value) * t);
}

/**
 * Returns the spherical interpolation (slerp) of a and b at `t` in [0, 1].
 * It is sin((1 − t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b, with Ω the angle between
 * a and b. The path keeps away from the origin, where a straight line between
 * two codes passes through space that few codes occupy.
 *
 * For vectors that are (anti)parallel or zero, Ω is undefined or sin Ω is 0,
 * so the result is the linear interpolation.
 */
export function slerp(a: readonly number[], b: readonly number[], t: number): number[] {
  checkSameLength(a, b);
  const normA = Math.hypot(...a);
  const normB = Math.hypot(...b);
  if (normA === 0 || normB === 0) return lerp(a, b, t);

  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / (normA * normB))));
  if (omega < PARALLEL_ANGLE || Math.PI - omega < PARALLEL_ANGLE) return lerp(a, b, t);

  const sinOmega = Math.sin(omega);
  const weightA = Math.sin((1 - t) * omega) / sinOmega;
  const weightB = Math.sin(t * omega) / sinOmega;
  return a.map((value, index) => weightA * value + weightB * b[index]);
}

/** Interpolates with lerp or slerp, as `kind` chooses. */
export function interpolate(kind: InterpolationKind, a: readonly number[], b: readonly number[], t: number): number[] {
  return kind === 'spherical' ? slerp(a, b, t) : lerp(a, b, t);
}

function checkSameLength(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new RangeError(`cannot interpolate between vectors of ${a.length} and ${b.length} values`);
}
