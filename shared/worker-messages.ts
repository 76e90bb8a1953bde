// Messages between the host's main thread and its training worker.
// They travel through `postMessage`, so typed arrays arrive as copies.

import type {
  BackendInfo,
  DatasetInfo,
  EpochSummary,
  LatentMap,
  ModelSnapshot,
  ReconstructionSet,
  RunConfig,
  SourceLocation,
  StepLoss,
  TrainingState,
  WeightTensor,
} from './training';

/** Data the worker receives at start, through `workerData`. */
export interface WorkerInit {
  config: RunConfig;
  /** Steps between two reconstruction refreshes. */
  reconstructionEvery: number;
  /** A checkpoint to continue from, or null for a new run. */
  resume: CheckpointState | null;
  /** Threads that share each training step of the dense and deep models (`--train-threads`); 1 when absent. */
  trainThreads?: number;
}

/** State the worker needs to continue a run exactly where a checkpoint left it. */
export interface CheckpointState {
  /** Epochs completed. */
  epoch: number;
  /** Global step at the checkpoint. */
  step: number;
  /** Encoder weights, in the order of `encoder.getWeights()`. */
  encoder: WeightTensor[];
  /** Decoder weights, in the order of `decoder.getWeights()`. */
  decoder: WeightTensor[];
  /** The optimizer's slots, in the order of `optimizer.getWeights()`, its iteration count first. */
  optimizer: WeightTensor[];
}

export type WorkerCommand =
  | { type: 'pause' }
  | { type: 'resume' }
  /** Ends the loop, disposes every tensor and lets the worker exit. */
  | { type: 'stop' }
  /** Changes the optimizer's learning rate from the next step on. */
  | { type: 'setLearningRate'; value: number }
  /** Requests the state a checkpoint needs. The worker replies between two steps with a `checkpoint` event of the same id. */
  | { type: 'checkpoint'; id: number };

export type WorkerEvent =
  /**
   * The backend runs, the dataset is loaded and the model is built. A run of
   * a model file adds the SHA-256 digest (hex) of the file it imported.
   */
  | { type: 'ready'; backend: BackendInfo; dataset: DatasetInfo; layerSizes: number[]; runStartedAt: number; modelFileSha256?: string }
  /** A problem that training survives, such as an unreadable image that was skipped. */
  | { type: 'warning'; message: string }
  | { type: 'state'; state: TrainingState; reason: string | null }
  /** Step losses since the previous `steps` event, in step order. */
  | { type: 'steps'; epoch: number; points: StepLoss[] }
  | { type: 'epoch'; summary: EpochSummary }
  | { type: 'reconstructions'; set: ReconstructionSet }
  /** Probe labels accompany the first reconstructions of a run. */
  | { type: 'probes'; labels: Uint8Array }
  /** The encoder and the decoder at one step, at float32 precision. */
  | { type: 'weights'; encoder: ModelSnapshot; decoder: ModelSnapshot }
  | { type: 'latent'; map: LatentMap }
  /** Tensor counts after an epoch: the training worker's, and each follower thread's when training splits batches. */
  | { type: 'memory'; numTensors: number; step: number; followerTensors?: number[] }
  /**
   * Threads that now share each training step, when `--train-threads` asked
   * for more than one, and why: sent at the start of training and when a
   * follower thread fails. `count` is below `requested` when training runs on fewer.
   */
  | { type: 'threads'; count: number; requested: number; reason: string }
  | { type: 'checkpoint'; id: number; state: CheckpointState }
  /** A failure that ends training, such as an unreadable dataset; `location` points into the streamer's model file when the error came from there. */
  | { type: 'fatal'; message: string; location?: SourceLocation };
