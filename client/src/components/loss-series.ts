// Turns the store's loss history into the column layout uPlot draws from.

import type { EpochSummary } from '../../../shared/training';

/** Columns for uPlot: one x array and one array per series, all the same length. */
export interface AlignedLosses {
  /** Global steps, strictly ascending. */
  x: number[];
  /** Training loss at each step; null where only a validation point exists. */
  train: (number | null)[];
  /** Validation loss at each epoch's last step; null everywhere else. */
  validation: (number | null)[];
  /** Number of non-null entries in `train`. */
  trainPoints: number;
}

/**
 * Merges per-step training losses with per-epoch validation losses on one x axis.
 *
 * Both inputs must be in ascending step order. A non-finite loss is left out,
 * because uPlot 1.6 treats only null as missing, and a NaN or an Infinity
 * would break its y scale. An epoch whose step has no training loss gets its
 * own x entry.
 */
export function alignLosses(
  steps: ArrayLike<number>,
  losses: ArrayLike<number>,
  epochs: readonly EpochSummary[],
): AlignedLosses {
  const aligned: AlignedLosses = { x: [], train: [], validation: [], trainPoints: 0 };
  const pointCount = Math.min(steps.length, losses.length);
  const validEpochs = epochs.filter((summary) => Number.isFinite(summary.validationLoss));
  let i = 0;
  let j = 0;

  while (i < pointCount || j < validEpochs.length) {
    const step = i < pointCount ? steps[i] : Infinity;
    const epoch = j < validEpochs.length ? validEpochs[j] : null;

    if (epoch !== null && epoch.step < step) {
      pushColumn(aligned, epoch.step, null, epoch.validationLoss);
      j++;
      continue;
    }

    const validation = epoch !== null && epoch.step === step ? epoch.validationLoss : null;
    if (validation !== null) j++;
    const loss = Number.isFinite(losses[i]) ? losses[i] : null;
    if (loss !== null || validation !== null) pushColumn(aligned, step, loss, validation);
    i++;
  }
  return aligned;
}

function pushColumn(aligned: AlignedLosses, step: number, train: number | null, validation: number | null): void {
  aligned.x.push(step);
  aligned.train.push(train);
  aligned.validation.push(validation);
  if (train !== null) aligned.trainPoints++;
}
