import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';

import {
  centreVector,
  deadDimensions,
  latentRanges,
  latentSpread,
  PRIOR_SIGMAS,
  randomVector,
  standardNormal,
} from '../../shared/latent/ranges';
import { latentMapOf } from './latent-map-fixture';

const map = latentMapOf([
  [0, 1, 2],
  [2, 1, 4],
  [1, 1, 0],
]);

describe('latentRanges', () => {
  it('spans ±3σ of the prior for a VAE', () => {
    expect(latentRanges('vae', 2, map)).toEqual([
      { min: -PRIOR_SIGMAS, max: PRIOR_SIGMAS },
      { min: -PRIOR_SIGMAS, max: PRIOR_SIGMAS },
    ]);
  });

  it('pads the observed min and max of an autoencoder by 5%', () => {
    const ranges = latentRanges('dense', 3, map);
    expect(ranges[0].min).toBeCloseTo(-0.1, 6);
    expect(ranges[0].max).toBeCloseTo(2.1, 6);
    expect(ranges[2].min).toBeCloseTo(-0.2, 6);
    expect(ranges[2].max).toBeCloseTo(4.2, 6);
  });

  it('gives a dead dimension a range that moves', () => {
    const dead = latentRanges('dense', 3, map)[1];
    expect(dead.max - dead.min).toBeGreaterThan(0);
    expect(dead.min).toBeLessThan(1);
    expect(dead.max).toBeGreaterThan(1);
  });

  it('uses [-1, 1] before the first latent map', () => {
    expect(latentRanges('deep', 2, null)).toEqual([
      { min: -1, max: 1 },
      { min: -1, max: 1 },
    ]);
  });

  it('ignores a map of another latent size', () => {
    expect(latentRanges('dense', 2, map)).toEqual(latentRanges('dense', 2, null));
  });
});

describe('deadDimensions', () => {
  it('marks dimensions whose codes are all equal', () => {
    expect(deadDimensions(map, 3)).toEqual([false, true, false]);
  });
});

describe('randomVector', () => {
  it('draws from the codes and stays in range', () => {
    const ranges = latentRanges('dense', 3, map);
    const spread = latentSpread('dense', 3, map);
    const random = seedrandom('ranges');
    for (let i = 0; i < 500; i++) {
      const vector = randomVector(spread, ranges, random);
      vector.forEach((value, d) => {
        expect(value).toBeGreaterThanOrEqual(ranges[d].min);
        expect(value).toBeLessThanOrEqual(ranges[d].max);
      });
      expect(vector[1]).toBeCloseTo(1, 6);
    }
  });

  it('draws from N(0, 1) for a VAE', () => {
    const ranges = latentRanges('vae', 1, null);
    const spread = latentSpread('vae', 1, map);
    const random = seedrandom('prior');
    const values = Array.from({ length: 4000 }, () => randomVector(spread, ranges, random)[0]);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.06);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
  });
});

describe('centreVector', () => {
  it('returns the mean of the codes', () => {
    const vector = centreVector(latentSpread('dense', 3, map), latentRanges('dense', 3, map));
    expect(vector[0]).toBeCloseTo(1, 6);
    expect(vector[2]).toBeCloseTo(2, 6);
  });
});

describe('standardNormal', () => {
  it('stays finite when the uniform source returns 0', () => {
    expect(Number.isFinite(standardNormal(() => 0))).toBe(true);
  });
});
