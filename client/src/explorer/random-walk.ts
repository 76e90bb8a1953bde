// The explorer's random walk: each latent dimension follows its own smooth
// simplex-noise stream, so the decoded image drifts instead of jittering.

import { createNoise2D } from 'simplex-noise';
import type { NoiseFunction2D } from 'simplex-noise';

import { clamp } from '../../../shared/latent/ranges';
import type { LatentRange, LatentSpread } from '../../../shared/latent/ranges';

/** Noise units travelled per second of walking; simplex noise changes course about once per unit, so every 3 s or so. */
export const WALK_SPEED = 0.3;

/** Reach of the walk around the mean, in standard deviations; simplex noise lies in [-1, 1], so the walk stays within ±2σ. */
export const WALK_SIGMAS = 2;

/** Seconds over which a starting or resumed walk eases from the current vector onto its path. */
export const WALK_EASE_SECONDS = 0.8;

/** A smooth path through the latent space: one noise stream per dimension. */
export class RandomWalk {
  private readonly streams: NoiseFunction2D[];

  /**
   * @param dims latent vector size
   * @param random uniform numbers in [0, 1) that seed the noise; a seeded one makes the path repeatable
   */
  constructor(dims: number, random: () => number = Math.random) {
    this.streams = Array.from({ length: dims }, () => createNoise2D(random));
  }

  /** Latent vector size of the path. */
  get dims(): number {
    return this.streams.length;
  }

  /**
   * Returns the path's vector after `seconds` of walking: each dimension is
   * mean + 2σ · noise(seconds · WALK_SPEED), clipped to its range. A
   * dimension with σ = 0, such as a dead ReLU unit, stays at its mean.
   */
  position(seconds: number, spread: LatentSpread, ranges: readonly LatentRange[]): number[] {
    return ranges.map((range, d) => {
      const noise = this.streams[d](seconds * WALK_SPEED, 0);
      return clamp(spread.mean[d] + WALK_SIGMAS * spread.std[d] * noise, range);
    });
  }
}

/**
 * Returns the vector between `from` and `to` at `progress` in [0, 1], eased
 * with smoothstep so that the motion starts and ends without a jolt.
 */
export function easeBetween(from: readonly number[], to: readonly number[], progress: number): number[] {
  const p = Math.min(1, Math.max(0, progress));
  const weight = p * p * (3 - 2 * p);
  return to.map((value, d) => (from[d] ?? value) + (value - (from[d] ?? value)) * weight);
}

/** Maximum time one frame advances the walk, in seconds, so the walk does not jump after the tab was hidden. */
const MAX_WALK_STEP_SECONDS = 0.1;

/** The distribution and ranges the walk follows, read every frame because a new latent map may change them. */
export type WalkBounds = () => { spread: LatentSpread; ranges: readonly LatentRange[] };

/**
 * Plays a RandomWalk in animation frames, with pause and resume. Walking time
 * stops while paused, so a resumed walk continues along the same path, and it
 * eases from wherever the vector is onto the path over WALK_EASE_SECONDS.
 */
export class WalkPlayer {
  private readonly onStep: (vector: number[]) => void;
  private walk: RandomWalk | null;
  private seconds: number;
  private frame: number | null;
  private lastTime: number | null;
  private ease: { from: number[]; startSeconds: number } | null;
  private bounds: WalkBounds | null;

  /** @param onStep called with the walk's vector once per animation frame while it plays */
  constructor(onStep: (vector: number[]) => void) {
    this.onStep = onStep;
    this.walk = null;
    this.seconds = 0;
    this.frame = null;
    this.lastTime = null;
    this.ease = null;
    this.bounds = null;
  }

  /** Whether the walk is playing. */
  get playing(): boolean {
    return this.frame !== null;
  }

  /**
   * Starts the walk, or resumes it where it paused, from the vector `from`.
   * A new path starts when the latent size differs from the previous walk's.
   */
  start(from: readonly number[], bounds: WalkBounds): void {
    if (this.walk === null || this.walk.dims !== from.length) {
      this.walk = new RandomWalk(from.length);
      this.seconds = 0;
    }
    this.bounds = bounds;
    this.ease = { from: [...from], startSeconds: this.seconds };
    this.lastTime = null;
    if (this.frame === null) this.frame = requestAnimationFrame((time) => this.step(time));
  }

  pause(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
  }

  private step(time: number): void {
    if (this.walk === null || this.bounds === null) return;
    const elapsed = this.lastTime === null ? 0 : (time - this.lastTime) / 1000;
    this.lastTime = time;
    this.seconds += Math.min(elapsed, MAX_WALK_STEP_SECONDS);

    const { spread, ranges } = this.bounds();
    let vector = this.walk.position(this.seconds, spread, ranges);
    if (this.ease !== null) {
      const progress = (this.seconds - this.ease.startSeconds) / WALK_EASE_SECONDS;
      vector = easeBetween(this.ease.from, vector, progress);
      if (progress >= 1) this.ease = null;
    }
    this.frame = requestAnimationFrame((next) => this.step(next));
    this.onStep(vector);
  }
}
