// Smoothing of the training loss as TensorBoard's scalar dashboard does it:
// an exponential moving average divided by its bias towards the start value.

/** Largest smoothing weight the chart offers; at 1 the average would never move. */
export const MAX_SMOOTHING = 0.99;

/**
 * Returns the debiased exponential moving average of `losses` with weight
 * `smoothing` in [0, MAX_SMOOTHING]. The average starts at 0, so each value
 * is divided by 1 − smoothing^n after n finite values, which removes the pull
 * towards 0 at the start of the run. A non-finite loss is passed through and
 * does not enter the average. With smoothing 0 the losses come back as they are.
 */
export function smoothLosses(losses: ArrayLike<number>, smoothing: number): Float64Array {
  if (!(smoothing >= 0 && smoothing <= MAX_SMOOTHING)) {
    throw new RangeError(`smoothing ${smoothing} is invalid; pass a value from 0 to ${MAX_SMOOTHING}`);
  }

  const smoothed = new Float64Array(losses.length);
  let average = 0;
  let count = 0;
  for (let i = 0; i < losses.length; i++) {
    const loss = losses[i];
    if (!Number.isFinite(loss)) {
      smoothed[i] = loss;
      continue;
    }
    average = average * smoothing + (1 - smoothing) * loss;
    count++;
    smoothed[i] = average / (1 - smoothing ** count);
  }
  return smoothed;
}
