import { describe, expect, it } from 'vitest';

import { createRandom } from '../../server/trainer/random';

function draw(seed: number, count: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => random.next());
}

describe('createRandom', () => {
  it('repeats a sequence for one seed', () => {
    expect(draw(42, 20)).toEqual(draw(42, 20));
  });

  it('differs between seeds', () => {
    expect(draw(42, 20)).not.toEqual(draw(43, 20));
  });

  it('keeps next() in [0, 1)', () => {
    const values = draw(7, 10_000);

    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });

  it('keeps int() in range', () => {
    const random = createRandom(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const value = random.int(5);
      expect(Number.isInteger(value)).toBe(true);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects a non-positive int() bound', () => {
    expect(() => createRandom(1).int(0)).toThrow(RangeError);
  });

  it('gives normals with mean 0 and deviation 1', () => {
    const random = createRandom(11);
    const values = Array.from({ length: 20_000 }, () => random.normal());
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;

    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.05);
  });

  it('shuffles arrays deterministically', () => {
    const first = Array.from({ length: 50 }, (_, i) => i);
    const second = [...first];
    createRandom(5).shuffle(first);
    createRandom(5).shuffle(second);

    expect(first).toEqual(second);
    expect(first).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('shuffles a Uint32Array in place', () => {
    const indices = Uint32Array.from({ length: 50 }, (_, i) => i);
    createRandom(5).shuffle(indices);

    expect(Array.from(indices).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(indices)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
