import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';

import { principalComponents, projectCodes, projectVector } from '../../shared/latent/pca';
import { standardNormal } from '../../shared/latent/ranges';

/** Codes along known orthogonal axes: std 5 along `first`, 2 along `second`, 0.1 elsewhere, around `offset`. */
function elongatedCloud(count: number, first: number[], second: number[], offset: number[]): Float32Array {
  const random = seedrandom('pca');
  const dims = first.length;
  const codes = new Float32Array(count * dims);
  for (let i = 0; i < count; i++) {
    const a = 5 * standardNormal(random);
    const b = 2 * standardNormal(random);
    for (let d = 0; d < dims; d++) codes[i * dims + d] = offset[d] + a * first[d] + b * second[d] + 0.1 * standardNormal(random);
  }
  return codes;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

describe('principalComponents', () => {
  const s = Math.SQRT1_2;
  const first = [s, s, 0, 0];
  const second = [0, 0, s, -s];
  const codes = elongatedCloud(1000, first, second, [3, 1, 2, 0]);
  const pca = principalComponents(codes, 1000, 4);

  it('finds the direction of largest variance first', () => {
    expect(Math.abs(dot(pca.components[0], first))).toBeCloseTo(1, 3);
  });

  it('finds the second direction orthogonal to the first', () => {
    expect(Math.abs(dot(pca.components[1], second))).toBeCloseTo(1, 3);
    expect(dot(pca.components[0], pca.components[1])).toBeCloseTo(0, 9);
  });

  it('returns unit-length components', () => {
    for (const component of pca.components) expect(Math.sqrt(dot(component, component))).toBeCloseTo(1, 9);
  });

  it('reports the variance along each component', () => {
    expect(pca.variances[0]).toBeGreaterThan(22);
    expect(pca.variances[0]).toBeLessThan(28);
    expect(pca.variances[1]).toBeGreaterThan(3.4);
    expect(pca.variances[1]).toBeLessThan(4.6);
    expect(pca.variances[0] + pca.variances[1]).toBeLessThanOrEqual(pca.totalVariance);
  });

  it('subtracts the mean', () => {
    [3, 1, 2, 0].forEach((value, d) => expect(pca.mean[d]).toBeCloseTo(value, 0));
  });

  it('signs each component by its largest entry', () => {
    for (const component of pca.components) {
      const largest = Array.from(component).reduce((best, value) => (Math.abs(value) > Math.abs(best) ? value : best), 0);
      expect(largest).toBeGreaterThan(0);
    }
  });

  it('handles codes that are all equal', () => {
    const flat = principalComponents(new Float32Array(30).fill(2), 10, 3);
    expect(flat.variances).toEqual([0, 0]);
    expect(flat.components).toHaveLength(2);
    flat.components.forEach((component) => expect(Math.sqrt(dot(component, component))).toBeCloseTo(1, 9));
  });

  it('finds at most as many components as dimensions', () => {
    expect(principalComponents(Float32Array.of(1, 2, 3), 3, 1).components).toHaveLength(1);
  });

  it('rejects codes of the wrong length', () => {
    expect(() => principalComponents(new Float32Array(5), 2, 3)).toThrow(/need 6 numbers, got 5/);
  });
});

describe('projectCodes', () => {
  it('gives the coordinates along each component', () => {
    const codes = Float32Array.of(0, 0, 2, 0, 4, 0, 0, 1, 4, 1);
    const pca = principalComponents(codes, 5, 2);
    const projected = projectCodes(codes, 5, pca);
    expect(projected).toHaveLength(10);

    const firstCoordinates = [0, 2, 4, 6, 8].map((index) => projected[index]);
    const mean = firstCoordinates.reduce((sum, value) => sum + value, 0) / 5;
    expect(mean).toBeCloseTo(0, 6);
    expect(projectVector([4, 0], pca)[0]).toBeCloseTo(projected[4], 6);
  });
});
