// The loss history as CSV, one file for the training steps and one for the
// epochs, with a header row and `.` as the decimal separator.

import type { EpochSummary } from '../../../shared/training';
import type { LossColumns } from '../../broadcast/loss-series';

/** Formats every step's training loss: `step,loss,elapsed_ms`. */
export function stepLossCsv(losses: LossColumns): string {
  const lines = ['step,loss,elapsed_ms'];
  for (let i = 0; i < losses.steps.length; i++) lines.push(`${losses.steps[i]},${float32Text(losses.losses[i])},${losses.elapsedMs[i]}`);
  return `${lines.join('\n')}\n`;
}

/** Formats every epoch's summary: `epoch,step,train_loss,validation_loss,seconds,images_per_second`. */
export function epochLossCsv(epochs: readonly EpochSummary[]): string {
  const lines = ['epoch,step,train_loss,validation_loss,seconds,images_per_second'];
  for (const summary of epochs) {
    const { epoch, step, trainLoss, validationLoss, seconds, samplesPerSecond } = summary;
    lines.push([epoch, step, float32Text(trainLoss), float32Text(validationLoss), seconds.toFixed(3), samplesPerSecond.toFixed(1)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Nine significant digits: enough to read back the same float32, without the noise digits of its float64 form. */
function float32Text(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(9))) : String(value);
}
