import { describe, expect, it } from 'vitest';

import { downsampleMinMax } from '../../shared/series/downsample';
import type { SeriesView } from '../../shared/series/downsample';

function series(values: number[]): SeriesView {
  return { length: values.length, step: (i) => i + 1, value: (i) => values[i] };
}

describe('min/max downsampling', () => {
  it('keeps every point of a short series', () => {
    expect(downsampleMinMax(series([3, 2, 1]), 10)).toEqual([0, 1, 2]);
  });

  it('stays within the point budget for a long run', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => 1 / (1 + i));
    const indices = downsampleMinMax(series(values), 4000);
    expect(indices.length).toBeLessThanOrEqual(4000);
    expect(indices.length).toBeGreaterThan(3000);
  });

  it('keeps the first and last points in order', () => {
    const indices = downsampleMinMax(series(Array.from({ length: 10_000 }, (_, i) => i % 7)), 100);
    expect(indices[0]).toBe(0);
    expect(indices.at(-1)).toBe(9999);
    expect([...indices].sort((a, b) => a - b)).toEqual(indices);
  });

  it('keeps a single-step spike', () => {
    const values = Array.from({ length: 50_000 }, () => 0.1);
    values[31_337] = 9;
    values[40_000] = -3;
    const indices = downsampleMinMax(series(values), 200);
    expect(indices).toContain(31_337);
    expect(indices).toContain(40_000);
  });
});
