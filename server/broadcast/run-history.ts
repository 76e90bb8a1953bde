// What the host remembers of the current run, so that a viewer who joins
// late receives the whole history, not only what follows.

import { basename } from 'node:path';

import { encodeEpochs, encodeHello, encodeReconstructions, encodeStepLosses } from '../../shared/protocol/frames';
import type { BackendInfo, DatasetInfo, EpochSummary, HostStatus, ReconstructionSet, RunConfig, StepLoss, TrainingState } from '../../shared/training';

export class RunHistory {
  readonly stepLosses: StepLoss[] = [];
  readonly epochs: EpochSummary[] = [];
  reconstructions: ReconstructionSet | null = null;
  private state: TrainingState = 'starting';
  private stateReason: string | null = 'loading the dataset';
  private backend: BackendInfo | null = null;
  private dataset: DatasetInfo | null = null;
  private layerSizes: number[] | null = null;

  constructor(readonly config: RunConfig) {}

  setReady(backend: BackendInfo, dataset: DatasetInfo, layerSizes: number[]): void {
    this.backend = backend;
    this.dataset = dataset;
    this.layerSizes = layerSizes;
  }

  setState(state: TrainingState, reason: string | null): void {
    this.state = state;
    this.stateReason = reason;
  }

  addStepLosses(points: readonly StepLoss[]): void {
    // TODO: keep a min/max-per-bucket downsampled copy for late joiners once runs reach 100k steps.
    for (const point of points) this.stepLosses.push(point);
  }

  addEpoch(summary: EpochSummary): void {
    this.epochs.push(summary);
  }

  /** The status that `/api/status` returns and the status bar shows. */
  status(viewers: number): HostStatus {
    const lastEpoch = this.epochs.at(-1);
    return {
      state: this.state,
      stateReason: this.stateReason,
      backend: this.backend,
      dataset: this.dataset,
      model: this.config.model,
      layerSizes: this.layerSizes,
      latent: this.config.latent,
      epoch: lastEpoch?.epoch ?? 0,
      epochs: this.config.epochs,
      step: this.stepLosses.at(-1)?.step ?? 0,
      lastLoss: this.stepLosses.at(-1)?.loss ?? null,
      lastValidationLoss: lastEpoch?.validationLoss ?? null,
      viewers,
    };
  }

  /** The run configuration as viewers see it: a dataset folder by its name, not its path on the host's disk. */
  publicConfig(): RunConfig {
    const dataset = this.config.dataset === 'shapes' || this.config.dataset === 'mnist' ? this.config.dataset : basename(this.config.dataset);
    return { ...this.config, dataset };
  }

  /** The frames a joining viewer receives, in order, before the live deltas. */
  snapshotFrames(seq: number, viewers: number): Uint8Array[] {
    const frames = [
      encodeHello(seq, { config: this.publicConfig(), status: this.status(viewers) }),
      encodeStepLosses(seq, this.stepLosses),
      encodeEpochs(seq, this.epochs),
    ];
    if (this.reconstructions) frames.push(encodeReconstructions(seq, this.reconstructions));
    return frames;
  }
}
