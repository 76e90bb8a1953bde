// Training throughput measured in the page from the loss points' timestamps,
// so the status bar's samples per second moves with every loss batch instead
// of once per epoch.

/** Span of recent loss points the rate is measured over, in milliseconds. */
export const THROUGHPUT_WINDOW_MS = 5000;

/**
 * Returns the images trained per second over the last THROUGHPUT_WINDOW_MS of
 * loss points, or null when fewer than two points with different times exist.
 * Steps must ascend and times must not decrease. A pause inside the window
 * lowers the rate until the window has moved past it.
 */
export function samplesPerSecond(steps: ArrayLike<number>, elapsedMs: ArrayLike<number>, batchSize: number): number | null {
  const last = Math.min(steps.length, elapsedMs.length) - 1;
  if (last < 1 || !(batchSize > 0)) return null;

  let first = firstAtOrAfter(elapsedMs, elapsedMs[last] - THROUGHPUT_WINDOW_MS, last);
  // Points are read back in groups that share one time, so the window is widened to the group before it.
  if (elapsedMs[first] === elapsedMs[last]) first = Math.max(0, first - 1);

  const seconds = (elapsedMs[last] - elapsedMs[first]) / 1000;
  const stepCount = steps[last] - steps[first];
  if (seconds <= 0 || stepCount <= 0) return null;
  return (stepCount * batchSize) / seconds;
}

/** Returns the first index in [0, end] whose value is at least `target`; `values` must not decrease. */
function firstAtOrAfter(values: ArrayLike<number>, target: number, end: number): number {
  let low = 0;
  let high = end;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (values[middle] < target) low = middle + 1;
    else high = middle;
  }
  return low;
}
