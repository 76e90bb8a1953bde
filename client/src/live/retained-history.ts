// Applies the host's history frames to the page's copy: the host sends each
// new entry with the steps it still keeps, so the page drops the same
// entries the host thinned out and both stay evenly spread over the run.

/** Something recorded at one training step. */
export interface StepEntry {
  step: number;
}

/**
 * Returns the entries of `entries` whose steps are in `retainedSteps` and
 * before `added`, followed by `added`. An entry the page missed (a frame
 * skipped under backpressure) stays missing until the next full history.
 */
export function applyRetained<T extends StepEntry>(entries: readonly T[], added: T, retainedSteps: readonly number[]): T[] {
  const retained = new Set(retainedSteps);
  const kept = entries.filter((entry) => entry.step < added.step && retained.has(entry.step));
  kept.push(added);
  return kept;
}
