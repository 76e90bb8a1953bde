// The operations the rest of the host may apply to training. The host panel,
// polls and the model-file watcher all steer the run through this one
// interface, so that none of them owns the training worker.

import type { RunConfig, SourceLocation } from '../../shared/training';

/** Settings that may change while a run trains, without starting a new one. */
export interface LiveSettings {
  /** Optimizer learning rate, above 0. */
  learningRate: number;
}

/** Raised when a new run could not start; the run that was training goes on. */
export class RunStartError extends Error {
  override name = 'RunStartError';

  constructor(
    message: string,
    /** Location in the streamer's model file of the failure, when it came from there. */
    readonly location?: SourceLocation,
  ) {
    super(message);
  }
}

export interface RunControl {
  /** Configuration of the run that trains now. */
  readonly config: RunConfig;

  pause(): void;
  resume(): void;

  /** Applies live settings from the next training step on; the run and its history go on. */
  update(settings: Partial<LiveSettings>, reason: string): void;

  /**
   * Starts a new run with `changes` applied to the current configuration.
   * The current run keeps training until the new one has loaded its data,
   * built its model and run one training step. Then the current run stops
   * and viewers see a new run begin. Rejects with a RunStartError, leaving the
   * current run training, when the new run fails to get that far.
   */
  restart(changes: Partial<RunConfig>, reason: string): Promise<void>;
}
