// Downsampling of a loss curve for display: each bucket of consecutive
// points keeps its minimum and its maximum, so spikes survive however long
// the run grows.

/** A read-only view of a series of steps and values, as stored by the host or a page. */
export interface SeriesView {
  readonly length: number;
  step(index: number): number;
  value(index: number): number;
}

/**
 * Returns the indices of at most `maxPoints` points of `series` to display, in
 * order: every point when it fits, otherwise the first and last point and, for
 * each bucket of consecutive points, the one with the lowest value and the one
 * with the highest.
 */
export function downsampleMinMax(series: SeriesView, maxPoints: number): number[] {
  const length = series.length;
  if (length <= maxPoints) return Array.from({ length }, (_, i) => i);
  if (maxPoints < 4) throw new RangeError(`maxPoints ${maxPoints} is too small; keep at least 4 to hold the ends and one bucket`);

  const buckets = Math.floor((maxPoints - 2) / 2);
  const bucketSize = (length - 2) / buckets;
  const indices = [0];

  for (let bucket = 0; bucket < buckets; bucket++) {
    const start = 1 + Math.floor(bucket * bucketSize);
    const end = 1 + Math.floor((bucket + 1) * bucketSize);
    let low = start;
    let high = start;
    for (let i = start + 1; i < end; i++) {
      if (series.value(i) < series.value(low)) low = i;
      if (series.value(i) > series.value(high)) high = i;
    }
    indices.push(Math.min(low, high));
    if (high !== low) indices.push(Math.max(low, high));
  }

  indices.push(length - 1);
  return indices;
}
