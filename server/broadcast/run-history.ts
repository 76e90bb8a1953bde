// The host's record of the current run, so that a viewer who joins late
// receives the whole history, not only what follows, and a short record of
// the runs before it. A restart replaces the run in place: the object stays,
// its run id and per-run data start again.

import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';

import {
  encodeEpochs,
  encodeLatentMap,
  encodeModelSnapshot,
  FrameType,
  encodeHello,
  encodeProbes,
  encodeReconstructionHistory,
  encodeReconstructions,
  encodeStepLosses,
  encodeWeightHistogramHistory,
} from '../../shared/protocol/frames';
import type { ProbeImages, ReconstructionOutputs } from '../../shared/protocol/frames';
import type { Topic } from '../../shared/protocol/topics';
import type {
  BackendInfo,
  DatasetInfo,
  EpochSummary,
  HostStatus,
  LatentMap,
  ModelFileFailure,
  ModelSnapshot,
  RunConfig,
  RunSummary,
  StepLoss,
  TrainingState,
} from '../../shared/training';
import { RECENT_RUNS } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import { LossSeries } from './loss-series';
import { ReconstructionHistory } from './reconstruction-history';
import { WeightHistogramHistory } from './weight-histograms';

/** Most loss points a joining viewer receives; longer histories are downsampled keeping each bucket's min and max. */
export const SNAPSHOT_LOSS_POINTS = 4000;

/** Earlier runs the host keeps summaries of; older ones are forgotten. */
export const KEPT_RUNS = 50;

/** Start reason of the first run of a host. */
export const FIRST_RUN_REASON = 'host start';

/** Id and start time of a run that continues from a checkpoint. */
export interface RunIdentity {
  runId: string;
  /** Wall-clock start of the run, in ms since the Unix epoch. */
  runStartedAt: number;
}

export class RunHistory {
  private currentRunId: string = randomUUID();
  private currentConfig: RunConfig;
  private reason: string;
  private lossSeries = new LossSeries();
  private epochSummaries: EpochSummary[] = [];
  /** Summaries of the earlier runs, newest first. */
  private readonly earlier: RunSummary[] = [];
  probes: ProbeImages | null = null;
  reconstructions: ReconstructionOutputs | null = null;
  /** Latest encoder snapshot at float32 precision; null until the first. */
  encoderWeights: ModelSnapshot | null = null;
  /** Latest decoder snapshot at float32 precision; null until the first. */
  decoderWeights: ModelSnapshot | null = null;
  latentMap: LatentMap | null = null;
  /** Reconstructions kept for scrubbing back through the run. */
  readonly reconstructionHistory = new ReconstructionHistory();
  /** Weight histograms kept for the run's histogram strips. */
  readonly weightHistograms = new WeightHistogramHistory();
  /** SHA-256 digest (hex) of the model file the current run imported; null for a built-in model or before the run is ready. */
  modelFileSha256: string | null = null;
  /** The model file's latest failure; it outlives runs, and only a successful load clears it. */
  modelFileError: ModelFileFailure | null = null;
  private state: TrainingState = 'starting';
  private stateReason: string | null = 'loading the dataset';
  private backend: BackendInfo | null = null;
  private dataset: DatasetInfo | null = null;
  private layerSizes: number[] | null = null;
  private runStartedAt = Date.now();
  /** Encoded loss snapshot and the loss count it was built from, shared by every joiner until the next loss. */
  private lossSnapshot: { length: number; frame: Uint8Array } | null = null;
  /** Encoded snapshot frames per topic and the values they were built from. */
  private readonly snapshotCache = new Map<string, { sources: unknown[]; frames: Uint8Array[] }>();

  /** @param resumed the id and start time of the checkpoint the first run continues, or null for a new run */
  constructor(config: RunConfig, reason = FIRST_RUN_REASON, resumed: RunIdentity | null = null) {
    this.currentConfig = config;
    this.reason = reason;
    if (resumed) {
      this.currentRunId = resumed.runId;
      this.runStartedAt = resumed.runStartedAt;
    }
  }

  /** Random id of the current run, new at every restart and at a host start that does not resume a checkpoint. */
  get runId(): string {
    return this.currentRunId;
  }

  /** Configuration of the current run, including live changes such as the learning rate. */
  get config(): RunConfig {
    return this.currentConfig;
  }

  get losses(): LossSeries {
    return this.lossSeries;
  }

  get epochs(): readonly EpochSummary[] {
    return this.epochSummaries;
  }

  /** Summaries of the earlier runs of this host start, newest first, at most KEPT_RUNS. */
  get earlierRuns(): readonly RunSummary[] {
    return this.earlier;
  }

  /**
   * Ends the current run in the record and starts a new one with `config`:
   * a new run id, and no losses, images, weights or latent map until the new
   * run's worker sends them.
   */
  startRun(config: RunConfig, reason: string): void {
    // A run that never built a model, such as a companion's before the script's first fit, is not listed.
    if (this.layerSizes !== null) {
      this.earlier.unshift(this.summary());
      this.earlier.length = Math.min(this.earlier.length, KEPT_RUNS);
    }

    this.currentRunId = randomUUID();
    this.currentConfig = config;
    this.reason = reason;
    this.lossSeries = new LossSeries();
    this.epochSummaries = [];
    this.probes = null;
    this.reconstructions = null;
    this.encoderWeights = null;
    this.decoderWeights = null;
    this.latentMap = null;
    this.reconstructionHistory.clear();
    this.weightHistograms.clear();
    this.state = 'starting';
    this.stateReason = 'loading the dataset';
    this.backend = null;
    this.dataset = null;
    this.layerSizes = null;
    this.modelFileSha256 = null;
    this.runStartedAt = Date.now();
    this.lossSnapshot = null;
    this.snapshotCache.clear();
  }

  /** Records a learning rate that the current run applies from its next step on. */
  setLearningRate(learningRate: number): void {
    this.currentConfig = { ...this.currentConfig, learningRate };
  }

  /** Summary of the current run, as the run history lists it once the run is over. */
  summary(): RunSummary {
    const lastEpoch = this.epochSummaries.at(-1);
    const lastLoss = this.lossSeries.last();
    return {
      runId: this.currentRunId,
      startedAt: this.runStartedAt,
      reason: this.reason,
      dataset: this.publicConfig().dataset,
      model: this.currentConfig.model,
      latent: this.currentConfig.latent,
      layerSizes: this.layerSizes,
      steps: lastLoss?.step ?? 0,
      epochs: lastEpoch?.epoch ?? 0,
      finalLoss: lastLoss?.loss ?? null,
      finalValidationLoss: lastEpoch?.validationLoss ?? null,
    };
  }

  /** Records what the run's `ready` event reports: backend, dataset, layer sizes, start time and model file digest. */
  setReady(ready: Extract<WorkerEvent, { type: 'ready' }>): void {
    this.backend = ready.backend;
    this.dataset = ready.dataset;
    this.layerSizes = ready.layerSizes;
    this.runStartedAt = ready.runStartedAt;
    this.modelFileSha256 = ready.modelFileSha256 ?? null;
  }

  setState(state: TrainingState, reason: string | null): void {
    this.state = state;
    this.stateReason = reason;
  }

  addStepLosses(points: readonly StepLoss[]): void {
    this.lossSeries.append(points);
  }

  addEpoch(summary: EpochSummary): void {
    this.epochSummaries.push(summary);
  }

  /** The status that `/api/status` returns and the status bar shows. */
  status(viewers: number): HostStatus {
    const lastEpoch = this.epochs.at(-1);
    const lastLoss = this.losses.last();
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
      step: lastLoss?.step ?? 0,
      lastLoss: lastLoss?.loss ?? null,
      lastValidationLoss: lastEpoch?.validationLoss ?? null,
      viewers,
      runStartedAt: this.runStartedAt,
      runId: this.runId,
      runReason: this.reason,
      learningRate: this.config.learningRate,
      earlierRuns: this.earlier.slice(0, RECENT_RUNS),
      modelFileError: this.modelFileError,
    };
  }

  /** Returns the run configuration as viewers see it: a dataset folder and a model file by their names, not their paths on the host's disk. */
  publicConfig(): RunConfig {
    const dataset = this.config.dataset === 'shapes' || this.config.dataset === 'mnist' ? this.config.dataset : basename(this.config.dataset);
    const modelFile = this.config.modelFile === null ? null : basename(this.config.modelFile);
    return { ...this.config, dataset, modelFile };
  }

  /** Encodes the Hello frame that every connection starts with. */
  helloFrame(seq: number, viewers: number): Uint8Array {
    return encodeHello(seq, { config: this.publicConfig(), status: this.status(viewers) });
  }

  /** Returns the frames that bring a viewer up to date on `topic`, in order. */
  topicSnapshot(topic: Topic, seq: number): Uint8Array[] {
    switch (topic) {
      case 'status':
        // The Hello frame carries the status.
        return [];
      case 'loss':
        return [this.lossSnapshotFrame(seq), ...this.cached('epochs', [this.epochs.length], () => [encodeEpochs(seq, this.epochs)])];
      case 'reconstructions':
        return this.cached('reconstructions', [this.probes, this.reconstructions], () => this.reconstructionFrames(seq));
      case 'weights':
        return this.cached('weights', [this.encoderWeights, this.decoderWeights], () => this.weightFrames(seq));
      case 'latent':
        return this.cached('latent', [this.latentMap], () => (this.latentMap ? [encodeLatentMap(seq, this.latentMap)] : []));
      case 'gallery':
      case 'polls':
        // The gallery and polls are not part of the run; server/gallery/feed.ts and server/polls/feed.ts build their snapshots.
        return [];
      case 'reconstruction-history':
        return this.cached('reconstruction-history', [this.reconstructionHistory.version], () => {
          const body = this.reconstructionHistory.historyBody();
          return body ? [encodeReconstructionHistory(seq, body)] : [];
        });
      case 'weight-histograms':
        return this.cached('weight-histograms', [this.weightHistograms.version], () => {
          const body = this.weightHistograms.historyBody();
          return body ? [encodeWeightHistogramHistory(seq, body)] : [];
        });
    }
  }


  /**
   * Stores new snapshots. A topology equal to the previous one is replaced
   * by the previous object, so the encoded topology is built once per model
   * (frames.ts caches it by object) rather than once per snapshot.
   */
  setWeights(encoder: ModelSnapshot, decoder: ModelSnapshot): void {
    this.encoderWeights = withSameTopology(encoder, this.encoderWeights);
    this.decoderWeights = withSameTopology(decoder, this.decoderWeights);
  }

  /** Encoder then decoder weights, each when known. */
  weightFrames(seq: number): Uint8Array[] {
    const frames: Uint8Array[] = [];
    if (this.encoderWeights) frames.push(encodeModelSnapshot(FrameType.EncoderWeights, seq, this.encoderWeights));
    if (this.decoderWeights) frames.push(encodeModelSnapshot(FrameType.DecoderWeights, seq, this.decoderWeights));
    return frames;
  }

  private reconstructionFrames(seq: number): Uint8Array[] {
    if (!this.probes) return [];
    const frames = [encodeProbes(seq, this.probes)];
    if (this.reconstructions) frames.push(encodeReconstructions(seq, this.reconstructions));
    return frames;
  }

  /**
   * Returns the frames last built for `key` while every value in `sources` is
   * the same (by identity), or builds them anew. Thousands of viewers may
   * join at once when a stream starts, and each join needs these frames.
   */
  private cached(key: string, sources: unknown[], build: () => Uint8Array[]): Uint8Array[] {
    const entry = this.snapshotCache.get(key);
    if (entry && entry.sources.length === sources.length && entry.sources.every((source, i) => source === sources[i])) return entry.frames;
    const frames = build();
    this.snapshotCache.set(key, { sources, frames });
    return frames;
  }

  // Thousands of viewers may join at once when a stream starts, so the
  // downsampled history is encoded once per new loss batch, not per viewer.
  private lossSnapshotFrame(seq: number): Uint8Array {
    if (this.lossSnapshot?.length !== this.losses.length) {
      this.lossSnapshot = { length: this.losses.length, frame: encodeStepLosses(seq, this.losses.forDisplay(SNAPSHOT_LOSS_POINTS)) };
    }
    return this.lossSnapshot.frame;
  }
}

/** Returns `next` with `previous`'s topology object when the two topologies are equal. */
function withSameTopology(next: ModelSnapshot, previous: ModelSnapshot | null): ModelSnapshot {
  if (!previous || previous.topology === next.topology) return next;
  return JSON.stringify(previous.topology) === JSON.stringify(next.topology) ? { ...next, topology: previous.topology } : next;
}
