// The content of a checkpoint: the worker's training state plus the host's
// record of the run, so that a restarted host continues the run, replays its
// history to viewers and can export its models without rebuilding them.

import type { ProbeImages, ReconstructionOutputs } from '../../shared/protocol/frames';
import type { EpochSummary, ModelTopology, RunConfig } from '../../shared/training';
import type { CheckpointState } from '../../shared/worker-messages';
import type { LossColumns, LossSeries } from '../broadcast/loss-series';
import type { RunHistory } from '../broadcast/run-history';

/** The LayersModel topologies of the encoder and the decoder, as `model.toJSON(null, false)` returns them. */
export interface ModelTopologies {
  encoder: ModelTopology;
  decoder: ModelTopology;
}

/** The part of the run's history that viewers receive when they join. */
export interface SavedHistory {
  /** Step losses up to the checkpoint's step. */
  losses: LossColumns;
  /** Epoch summaries up to the checkpoint's epoch. */
  epochs: EpochSummary[];
  /** The fixed validation images that reconstructions show, once the run has produced them. */
  probes: ProbeImages | null;
  /** The latest outputs for the probe images. */
  reconstructions: ReconstructionOutputs | null;
}

export interface Checkpoint {
  /** Wall-clock time of the save, in ms since the Unix epoch. */
  savedAt: number;
  runId: string;
  /** Milliseconds from the start of the run to the save; step times of the resumed run continue from here. */
  elapsedMs: number;
  /** The configuration the run trains with. */
  config: RunConfig;
  /**
   * SHA-256 digest (hex) of the model file the run imported, when its model
   * is `file`. It is null for a built-in model and in older checkpoints.
   * A host resumes a model file's run only while the file has this digest.
   */
  modelFileSha256: string | null;
  /** Weights, optimizer state, epoch and step, from the training worker. */
  state: CheckpointState;
  topology: ModelTopologies;
  history: SavedHistory;
}

/**
 * Combines the worker's state with the host's history into a checkpoint.
 * History past the state's step is left out, because the resumed run trains
 * those steps again. The topologies come from the latest weight snapshots,
 * which the worker sends before its first step.
 */
export function captureCheckpoint(state: CheckpointState, history: RunHistory, savedAt = Date.now()): Checkpoint {
  const { encoderWeights, decoderWeights } = history;
  if (!encoderWeights || !decoderWeights) throw new Error('the training worker has sent no weight snapshot yet, so the model topology is unknown');

  const runStartedAt = history.status(0).runStartedAt;
  return {
    savedAt,
    runId: history.runId,
    elapsedMs: Math.max(0, savedAt - runStartedAt),
    config: history.config,
    modelFileSha256: history.modelFileSha256,
    state,
    topology: { encoder: encoderWeights.topology, decoder: decoderWeights.topology },
    history: {
      losses: history.losses.columns(countUpTo(history.losses, state.step)),
      epochs: history.epochs.filter((summary) => summary.epoch <= state.epoch),
      probes: history.probes,
      reconstructions: history.reconstructions,
    },
  };
}

/** Returns the value of the first weight that is NaN or infinite, with its tensor's name, or null when every value is finite. */
export function firstNonFiniteWeight(state: CheckpointState): { tensor: string; value: number } | null {
  for (const tensor of [...state.encoder, ...state.decoder, ...state.optimizer]) {
    for (const value of tensor.values) {
      if (!Number.isFinite(value)) return { tensor: tensor.name, value };
    }
  }
  return null;
}

/** Number of leading points of `series`, which is in step order, whose step is at most `step`. */
function countUpTo(series: LossSeries, step: number): number {
  let low = 0;
  let high = series.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (series.step(middle) <= step) low = middle + 1;
    else high = middle;
  }
  return low;
}
