import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';

import { easeBetween, RandomWalk, WALK_SIGMAS } from '../../client/src/explorer/random-walk';
import type { LatentRange, LatentSpread } from '../../shared/latent/ranges';

const spread: LatentSpread = { mean: [0, 1, 2], std: [1, 0.5, 0] };
const ranges: LatentRange[] = [
  { min: -3, max: 3 },
  { min: 0, max: 2 },
  { min: 1.5, max: 2.5 },
];

describe('RandomWalk', () => {
  it('moves smoothly: velocity changes little between frames', () => {
    const walk = new RandomWalk(3, seedrandom('walk'));
    const path = Array.from({ length: 601 }, (_, frame) => walk.position(frame / 60, spread, ranges)[0]);
    const velocity = path.slice(1).map((value, i) => value - path[i]);
    const acceleration = velocity.slice(1).map((value, i) => value - velocity[i]);
    const meanAbs = (values: number[]) => values.reduce((sum, value) => sum + Math.abs(value), 0) / values.length;

    // ±ε jitter would change direction every frame, making the two means comparable.
    expect(meanAbs(acceleration)).toBeLessThan(0.1 * meanAbs(velocity));
    expect(Math.max(...velocity.map(Math.abs))).toBeLessThan(0.1);
    expect(Math.max(...path) - Math.min(...path)).toBeGreaterThan(0.5);
  });

  it('gives each dimension its own stream', () => {
    const walk = new RandomWalk(2, seedrandom('streams'));
    const same: LatentSpread = { mean: [0, 0], std: [1, 1] };
    const wide = [
      { min: -5, max: 5 },
      { min: -5, max: 5 },
    ];
    const differences = Array.from({ length: 20 }, (_, i) => {
      const [a, b] = walk.position(i * 0.7 + 0.3, same, wide);
      return Math.abs(a - b);
    });
    expect(Math.max(...differences)).toBeGreaterThan(0.3);
  });

  it('stays within ±2σ of the mean and within the range', () => {
    const walk = new RandomWalk(3, seedrandom('bounds'));
    for (let i = 0; i < 2000; i++) {
      const vector = walk.position(i * 0.37, spread, ranges);
      vector.forEach((value, d) => {
        expect(value).toBeGreaterThanOrEqual(ranges[d].min);
        expect(value).toBeLessThanOrEqual(ranges[d].max);
        expect(Math.abs(value - spread.mean[d])).toBeLessThanOrEqual(WALK_SIGMAS * spread.std[d] + 1e-9);
      });
    }
  });

  it('repeats its path for the same seed', () => {
    const a = new RandomWalk(3, seedrandom('same'));
    const b = new RandomWalk(3, seedrandom('same'));
    expect(a.position(4.2, spread, ranges)).toEqual(b.position(4.2, spread, ranges));
  });
});

describe('easeBetween', () => {
  it('starts at `from` and ends at `to`', () => {
    expect(easeBetween([0, 10], [1, 20], 0)).toEqual([0, 10]);
    expect(easeBetween([0, 10], [1, 20], 1)).toEqual([1, 20]);
    expect(easeBetween([0, 10], [1, 20], 2)).toEqual([1, 20]);
  });

  it('is halfway at progress 0.5', () => {
    expect(easeBetween([0, 10], [1, 20], 0.5)).toEqual([0.5, 15]);
  });
});
