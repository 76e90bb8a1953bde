// Training progress for `npm run train`. A terminal gets a bar per epoch with
// the step count and the current loss, redrawn in place. Other outputs, such
// as a log file or CI, get only the line that follows each epoch.

import type { EpochSummary } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';

/** Characters of the bar between its brackets. */
const BAR_WIDTH = 30;

/** Shortest time between two redraws of the bar, in ms. */
const REDRAW_MS = 100;

/** Destination of the progress: standard output, or a test's stand-in. */
export interface ProgressOutput {
  write(text: string): unknown;
  /** True on a terminal, which can redraw a line in place. */
  isTTY?: boolean;
}

export class TrainingProgress {
  private stepsPerEpoch = 0;
  /** Global step at the end of the previous epoch. */
  private epochStartStep: number;
  private barShown = false;
  private lastDraw = 0;

  /**
   * @param epochs the run's epoch count, for "Epoch 3/50"
   * @param batchSize images per step, for the steps per epoch
   * @param resumedAfter the last epoch of the checkpoint the run resumed from, or null for a new run
   */
  constructor(
    private readonly output: ProgressOutput,
    private readonly epochs: number,
    private readonly batchSize: number,
    resumedAfter: EpochSummary | null,
  ) {
    this.epochStartStep = resumedAfter?.step ?? 0;
  }

  handle(event: WorkerEvent): void {
    switch (event.type) {
      case 'ready':
        this.stepsPerEpoch = Math.ceil(event.dataset.trainCount / this.batchSize);
        this.line(`Backend: ${event.backend.name} (${event.backend.reason})`);
        this.line(`Dataset: ${event.dataset.name}, ${event.dataset.trainCount} training and ${event.dataset.validationCount} validation images`);
        this.line(`Model: ${event.layerSizes.join('-')}, ${this.stepsPerEpoch} steps per epoch`);
        break;
      case 'steps': {
        const last = event.points.at(-1);
        if (last) this.drawBar(event.epoch, last.step, last.loss);
        break;
      }
      case 'epoch':
        this.epochStartStep = event.summary.step;
        this.line(epochLine(event.summary, this.epochs));
        break;
      case 'warning':
        this.line(`Warning: ${event.message}`);
        break;
      case 'threads':
        this.line(`${event.count < event.requested ? 'Warning: ' : ''}Training threads: ${event.count} of ${event.requested} (${event.reason})`);
        break;
      case 'state':
        if (event.state === 'diverged') this.line(`Diverged: ${event.reason ?? 'the loss is not finite'}`);
        break;
    }
  }

  /** Prints a full line, replacing the bar if it is shown. */
  line(text: string): void {
    this.clearBar();
    this.output.write(`${text}\n`);
  }

  private drawBar(epoch: number, step: number, loss: number): void {
    const now = Date.now();
    if (!this.output.isTTY || this.stepsPerEpoch === 0 || now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;

    const done = Math.min(this.stepsPerEpoch, Math.max(0, step - this.epochStartStep));
    const filled = Math.round((done / this.stepsPerEpoch) * BAR_WIDTH);
    const bar = filled >= BAR_WIDTH ? '='.repeat(BAR_WIDTH) : `${'='.repeat(filled)}>${' '.repeat(BAR_WIDTH - filled - 1)}`;
    this.output.write(`\r\x1b[2KEpoch ${epoch}/${this.epochs} [${bar}] ${done}/${this.stepsPerEpoch} steps  loss ${loss.toFixed(4)}`);
    this.barShown = true;
  }

  private clearBar(): void {
    if (!this.barShown) return;
    this.output.write('\r\x1b[2K');
    this.barShown = false;
  }
}

/** Formats the line after an epoch: both losses side by side, then its time and throughput. */
export function epochLine(summary: EpochSummary, epochs: number): string {
  const { epoch, trainLoss, validationLoss, seconds, samplesPerSecond } = summary;
  return (
    `Epoch ${epoch}/${epochs}  train loss ${trainLoss.toFixed(5)}  validation loss ${validationLoss.toFixed(5)}  ` +
    `${seconds.toFixed(1)} s, ${Math.round(samplesPerSecond).toLocaleString('en-US')} images/s`
  );
}
