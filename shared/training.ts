// Training vocabulary shared by the trainer, the broadcast hub and the pages.

/** Lifecycle of a training run, as shown to viewers. */
export type TrainingState =
  | 'starting'
  | 'training'
  | 'paused'
  | 'diverged'
  | 'finished'
  | 'stopped';

export const TRAINING_STATES: readonly TrainingState[] = [
  'starting',
  'training',
  'paused',
  'diverged',
  'finished',
  'stopped',
];

/**
 * Built-in models, plus `file` for the streamer's own model file (`--model-file`).
 * server/trainer/model.ts describes each.
 */
export type ModelKind = 'dense' | 'deep' | 'conv' | 'vae' | 'file';
export type LossKind = 'bce' | 'mse';
export type OptimizerKind = 'adam' | 'adadelta' | 'sgd';
export type BackendChoice = 'auto' | 'node' | 'wasm' | 'cpu';

/** Default of `RunConfig.epsilon`: the fuzz factor that TensorFlow.js and tf.keras give Adam and Adadelta. */
export const DEFAULT_EPSILON = 1e-7;

/** Side length of every image, in pixels. */
export const IMAGE_SIZE = 28;

/** Pixels per image (28 × 28). */
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** Everything that defines a training run, as chosen on the command line. */
export interface RunConfig {
  /** `shapes`, `mnist`, or the path of an image folder. */
  dataset: string;
  /** Number of generated images when the dataset is `shapes`. */
  shapesCount: number;
  model: ModelKind;
  /** Hidden layer sizes of the encoder, outermost first; the decoder mirrors them. */
  hidden: number[];
  /** Size of the latent vector. */
  latent: number;
  loss: LossKind;
  optimizer: OptimizerKind;
  learningRate: number;
  /** Fuzz factor of Adam and Adadelta, above 0: the constant that keeps each step's division finite. SGD ignores it. */
  epsilon: number;
  batchSize: number;
  /** Number of passes over the training split; training stops after the last one. */
  epochs: number;
  /** Fraction of the dataset held out for validation, in (0, 0.5]. */
  validationSplit: number;
  seed: number;
  backend: BackendChoice;
  /** Standard deviation of the Gaussian noise added to training inputs, clipped to [0, 1]; 0 trains a plain autoencoder. Targets stay clean. */
  denoise: number;
  /** Absolute path of the streamer's model file when `model` is `file`, otherwise null. */
  modelFile: string | null;
}

/** The dataset as the trainer loaded it. */
export interface DatasetInfo {
  /** Human-readable name: `shapes`, `mnist` or the folder path. */
  name: string;
  trainCount: number;
  validationCount: number;
  /** Label names, indexed by the numeric label of each image. */
  labelNames: string[];
}

/** The TensorFlow.js backend in use and the reason it was chosen. */
export interface BackendInfo {
  name: 'tensorflow' | 'wasm' | 'cpu';
  reason: string;
}

/** One optimizer step's training loss. */
export interface StepLoss {
  step: number;
  loss: number;
  /** Milliseconds from the start of the run to the end of this step. */
  elapsedMs: number;
}

/** Losses at the end of one epoch. */
export interface EpochSummary {
  /** Epoch number, starting at 1. */
  epoch: number;
  /** Global step at the end of the epoch. */
  step: number;
  /** Mean training loss over the epoch. */
  trainLoss: number;
  /** Loss on the validation split. */
  validationLoss: number;
  /** Wall time of the epoch, in seconds. */
  seconds: number;
  /** Training throughput of the epoch, in images per second. */
  samplesPerSecond: number;
  /** VAE only: the reconstruction term of `trainLoss`, per pixel. */
  trainReconstructionLoss?: number;
  /** VAE only: the KL divergence term of `trainLoss`, per image divided by 784, so that both terms add up to `trainLoss`. */
  trainKlLoss?: number;
  /** VAE only: the reconstruction term of `validationLoss`, per pixel. */
  validationReconstructionLoss?: number;
  /** VAE only: the KL divergence term of `validationLoss`, per image divided by 784. */
  validationKlLoss?: number;
}

/** Fixed validation images next to the model's output, one byte per pixel. */
export interface ReconstructionSet {
  epoch: number;
  step: number;
  /** Number of image pairs. */
  count: number;
  /** `count` images of 784 bytes, row-major, 0 = black, 255 = white. */
  inputs: Uint8Array;
  /** The model's output for each input, same layout. */
  outputs: Uint8Array;
}

/** Latent codes of validation images, for the latent map, slider ranges and random vectors. */
export interface LatentMap {
  epoch: number;
  step: number;
  /** Latent vector size. */
  dims: number;
  /** Number of validation images encoded. */
  count: number;
  /** `count` codes of `dims` values, row-major. */
  codes: Float32Array;
  /** One label per code, an index into the dataset's label names. */
  labels: Uint8Array;
  /** Smallest value of each dimension over the codes. */
  min: Float32Array;
  /** Largest value of each dimension over the codes. */
  max: Float32Array;
  /** Mean of each dimension over the codes. */
  mean: Float32Array;
  /** Standard deviation of each dimension over the codes. */
  std: Float32Array;
}

/** One weight tensor of a model, in the order of `model.getWeights()`. */
export interface WeightTensor {
  /** Variable name, such as `dense_Dense1/kernel`. */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A LayersModel topology as `model.toJSON(null, false)` returns it: plain JSON that `tf.models.modelFromJSON` rebuilds. */
export type ModelTopology = Record<string, unknown>;

/**
 * A TensorFlow.js LayersModel as plain data: its topology and its weights at
 * one training step. The host broadcasts the encoder's and the decoder's, pages
 * rebuild them with `tf.models.modelFromJSON` and `setWeights`, and the export
 * endpoints write them out as `model.json` plus a weights file.
 */
export interface ModelSnapshot {
  step: number;
  topology: ModelTopology;
  weights: WeightTensor[];
}

/** Location in the streamer's model file where an error happened, when the stack trace gives one. */
export interface SourceLocation {
  file: string;
  /** 1-based line number. */
  line: number;
  /** 1-based column number, when known. */
  column?: number;
}

/**
 * The latest failure of the streamer's model file (`--model-file`), kept
 * until a save loads again. The previous model trains on meanwhile.
 */
export interface ModelFileFailure {
  /** Message naming the failure and its fix, with the file by its name only. */
  message: string;
  /** Location in the file, when known. `file` is the file's name without its folders, because every viewer receives the status. */
  location: SourceLocation | null;
  /** Wall-clock time of the failure, in milliseconds since the Unix epoch. */
  failedAt: number;
  /** Whether the streamer asked /overlay to show it too (`--show-errors-on-overlay`); the host panel always shows it. */
  showOnOverlay: boolean;
}

/** Host status: the body of `/api/status` and the content of the status bar. */
export interface HostStatus {
  state: TrainingState;
  /** Reason for the last state change, for example the step at which the loss diverged. */
  stateReason: string | null;
  backend: BackendInfo | null;
  dataset: DatasetInfo | null;
  model: ModelKind;
  /** Unit counts from the input layer to the output layer, such as [784, 8, 784]; null until the model is built. */
  layerSizes: number[] | null;
  latent: number;
  /** Epochs completed so far. */
  epoch: number;
  epochs: number;
  step: number;
  lastLoss: number | null;
  lastValidationLoss: number | null;
  viewers: number;
  /** Wall-clock time at which the run started, in milliseconds since the Unix epoch; step times count from it. */
  runStartedAt: number;
  /**
   * Random id of this run, new at every restart and at a host start that does
   * not resume a checkpoint. Gallery items keep the id of the run that decoded them.
   */
  runId: string;
  /** Start reason of this run, such as `host start` or `latent size 8 → 16 (host panel)`. */
  runReason: string;
  /** Optimizer learning rate now in use; the host can change it while the run trains. */
  learningRate: number;
  /** The most recent earlier runs of this host start, newest first, at most RECENT_RUNS. */
  earlierRuns: RunSummary[];
  /** The model file's latest failure, null while the file loads or when the run has no model file. */
  modelFileError: ModelFileFailure | null;
}

/** Earlier runs that HostStatus lists; the host API returns the whole list. */
export const RECENT_RUNS = 5;

/** One finished or replaced run, as the run history lists it. */
export interface RunSummary {
  runId: string;
  /** Wall-clock start, in milliseconds since the Unix epoch. */
  startedAt: number;
  /** Start reason of the run. */
  reason: string;
  /** Dataset name, as viewers see it: `shapes`, `mnist` or a folder's name. */
  dataset: string;
  model: ModelKind;
  latent: number;
  /** Unit counts from the input layer to the output layer; null when the run ended before its model was built. */
  layerSizes: number[] | null;
  /** Steps the run trained. */
  steps: number;
  /** Epochs the run completed. */
  epochs: number;
  /** Training loss of the run's last step, or null when it trained no step. */
  finalLoss: number | null;
  /** Validation loss after the run's last epoch, or null when no epoch ended. */
  finalValidationLoss: number | null;
}
