import { describe, expect, it } from 'vitest';

import { interpolate, lerp, slerp } from '../../shared/latent/interpolate';

describe('lerp', () => {
  it('returns the ends at t = 0 and t = 1', () => {
    expect(lerp([1, 2], [3, -2], 0)).toEqual([1, 2]);
    expect(lerp([1, 2], [3, -2], 1)).toEqual([3, -2]);
  });

  it('returns the midpoint at t = 0.5', () => {
    expect(lerp([1, 2], [3, -2], 0.5)).toEqual([2, 0]);
  });

  it('rejects vectors of different lengths', () => {
    expect(() => lerp([1], [1, 2], 0.5)).toThrow(/1 and 2 values/);
  });
});

describe('slerp', () => {
  it('returns the ends at t = 0 and t = 1', () => {
    const a = [1, 0, 2];
    const b = [0, 3, 1];
    slerp(a, b, 0).forEach((value, i) => expect(value).toBeCloseTo(a[i], 12));
    slerp(a, b, 1).forEach((value, i) => expect(value).toBeCloseTo(b[i], 12));
  });

  it('keeps unit vectors on the unit circle', () => {
    for (const t of [0.1, 0.25, 0.5, 0.9]) {
      const [x, y] = slerp([1, 0], [0, 1], t);
      expect(Math.hypot(x, y)).toBeCloseTo(1, 12);
      expect(Math.atan2(y, x)).toBeCloseTo((t * Math.PI) / 2, 12);
    }
  });

  it('differs from lerp between orthogonal vectors', () => {
    const spherical = slerp([1, 0], [0, 1], 0.5);
    const linear = lerp([1, 0], [0, 1], 0.5);
    expect(Math.hypot(...spherical)).toBeGreaterThan(Math.hypot(...linear) + 0.2);
  });

  it('falls back to lerp for parallel vectors', () => {
    expect(slerp([1, 1], [2, 2], 0.5)).toEqual(lerp([1, 1], [2, 2], 0.5));
  });

  it('falls back to lerp for opposite vectors', () => {
    expect(slerp([1, 0], [-1, 0], 0.25)).toEqual(lerp([1, 0], [-1, 0], 0.25));
  });

  it('falls back to lerp for a zero vector', () => {
    expect(slerp([0, 0], [2, 4], 0.5)).toEqual([1, 2]);
  });

  it('returns finite values for nearly parallel vectors', () => {
    const result = slerp([1, 1e-9], [1, 0], 0.5);
    expect(result.every(Number.isFinite)).toBe(true);
  });
});

describe('interpolate', () => {
  it('chooses lerp or slerp by kind', () => {
    expect(interpolate('linear', [1, 0], [0, 1], 0.5)).toEqual(lerp([1, 0], [0, 1], 0.5));
    expect(interpolate('spherical', [1, 0], [0, 1], 0.5)).toEqual(slerp([1, 0], [0, 1], 0.5));
  });
});
