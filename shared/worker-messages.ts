// Messages between the host's main thread and its training worker.
// They travel through `postMessage`, so typed arrays arrive as copies.

import type {
  BackendInfo,
  DatasetInfo,
  EpochSummary,
  LatentMap,
  NetworkWeights,
  ReconstructionSet,
  RunConfig,
  StepLoss,
  TrainingState,
} from './training';

/** Data the worker receives at start, through `workerData`. */
export interface WorkerInit {
  config: RunConfig;
  /** Steps between two reconstruction refreshes. */
  reconstructionEvery: number;
}

export type WorkerCommand =
  | { type: 'pause' }
  | { type: 'resume' }
  /** Ends the loop, disposes every tensor and lets the worker exit. */
  | { type: 'stop' };

export type WorkerEvent =
  /** The backend runs, the dataset is loaded and the model is built. */
  | { type: 'ready'; backend: BackendInfo; dataset: DatasetInfo; layerSizes: number[]; runStartedAt: number }
  /** A problem that training survives, such as an unreadable image that was skipped. */
  | { type: 'warning'; message: string }
  | { type: 'state'; state: TrainingState; reason: string | null }
  /** Step losses since the previous `steps` event, in step order. */
  | { type: 'steps'; epoch: number; points: StepLoss[] }
  | { type: 'epoch'; summary: EpochSummary }
  | { type: 'reconstructions'; set: ReconstructionSet }
  /** Probe labels accompany the first reconstructions of a run. */
  | { type: 'probes'; labels: Uint8Array }
  | { type: 'weights'; encoder: NetworkWeights; decoder: NetworkWeights }
  | { type: 'latent'; map: LatentMap }
  | { type: 'memory'; numTensors: number; step: number }
  /** A failure that ends training, such as an unreadable dataset. */
  | { type: 'fatal'; message: string };
