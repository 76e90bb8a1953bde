// Run state of one viewer page, rebuilt from the frames the host sends.
// The store does no I/O, so a socket or a test can feed it.

import { FrameType } from '../../../shared/protocol/frames';
import type {
  Frame,
  ProbeImages,
  ReconstructionAddedBody,
  ReconstructionHistoryBody,
  ReconstructionOutputs,
  WeightHistogramAddedBody,
  WeightHistogramHistoryBody,
} from '../../../shared/protocol/frames';
import type {
  EpochSummary,
  HostStatus,
  LatentMap,
  ModelSnapshot,
  ReconstructionSet,
  RunConfig,
  StepLoss,
} from '../../../shared/training';
import type { PollsView } from '../polls/poll-state';
import { EMPTY_RUN_INDEPENDENT_STATE, runIndependentStateAfterFrame } from './run-independent-state';
import type { GalleryState } from './gallery-state';
import { LossHistory } from './loss-history';
import { applyRetained } from './retained-history';

/** State of the socket to the host, as shown to viewers. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export type StoreListener = (store: LiveStore) => void;

/** The reconstructions the host keeps of the run, as the page stores them. */
export type ReconstructionHistoryState = ReconstructionHistoryBody;

/** The weight histograms the host keeps of the run, as the page stores them. */
export type WeightHistogramState = WeightHistogramHistoryBody;

/**
 * Run history and status for one page.
 *
 * Array fields are replaced, never mutated in place, whenever they change, so a
 * component that compares references (as Lit does) detects every update.
 */
export class LiveStore {
  /** Run configuration from the latest Hello frame; null until the first one. */
  config: RunConfig | null;
  /** Latest host status; null until the first Hello frame. */
  status: HostStatus | null;
  // The history fields below are set by resetHistory, which the constructor calls.
  /**
   * Global step of each training loss kept, strictly ascending. The page keeps
   * every point up to LOSS_HISTORY_MAX_POINTS and downsamples by step beyond it.
   */
  steps!: Float64Array;
  /** Training loss at each entry of `steps`, as sent (float32 precision, may be non-finite). */
  losses!: Float64Array;
  /** Milliseconds from the start of the run to each entry of `steps`. */
  elapsedMs!: Float64Array;
  /** Epoch summaries received, with strictly ascending epoch numbers. */
  epochs!: readonly EpochSummary[];
  /** Latest probe images and their reconstructions; null until the host sends some. */
  reconstructions!: ReconstructionSet | null;
  /** Reconstructions the host keeps of the run, oldest first; null unless the page subscribed to `reconstruction-history`. */
  reconstructionHistory!: ReconstructionHistoryState | null;
  /** Weight histograms the host keeps of the run, oldest first; null unless the page subscribed to `weight-histograms`. */
  weightHistograms!: WeightHistogramState | null;
  /** Fixed validation images of the run whose reconstructions are shown; null until the host sends them. */
  probes!: ProbeImages | null;
  /** Latest decoder snapshot, for decoding latent vectors in the page; null unless the page subscribed to `weights`. */
  decoderWeights!: ModelSnapshot | null;
  /** Latest encoder snapshot, for encoding drawings in the page; null unless the page subscribed to `weights`. */
  encoderWeights!: ModelSnapshot | null;
  /** Latest latent codes of validation images; null unless the page subscribed to `latent`. */
  latentMap!: LatentMap | null;
  /** Newest and most-voted gallery items; empty unless the page subscribed to `gallery`. */
  gallery!: GalleryState;
  /** The open poll and the last result; empty unless the page subscribed to `polls`. */
  polls!: PollsView;
  /** State of the socket to the host. */
  connection: ConnectionState;
  /** The run that replaced an earlier one while this page was open, and why; null until a run changes. */
  newRun: { runId: string; reason: string } | null;

  private lossHistory!: LossHistory;
  private listeners: Set<StoreListener>;
  private droppedPoints!: number;

  constructor() {
    this.config = null;
    this.status = null;
    this.connection = 'connecting';
    this.newRun = null;
    this.listeners = new Set();
    this.resetHistory();
  }

  /** Adds a listener called after every change; returns a function that removes it. */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setConnection(state: ConnectionState): void {
    if (state === this.connection) return;
    this.connection = state;
    this.notify();
  }

  /**
   * Applies one decoded frame. A Hello frame starts the history again. A new
   * run id, announced by a RunStarted frame or seen in a status, clears the
   * run's charts and images, but the gallery stays because it outlives runs.
   */
  applyFrame(frame: Frame): void {
    if (this.applyTopicState(frame)) {
      this.notify();
      return;
    }

    switch (frame.type) {
      case FrameType.Hello:
        this.noteRunChange(frame.body.status);
        this.resetHistory();
        this.config = frame.body.config;
        this.status = frame.body.status;
        break;
      case FrameType.RunStarted:
        this.noteRunChange(frame.body.status);
        this.resetRun();
        this.config = frame.body.config;
        this.status = frame.body.status;
        break;
      case FrameType.Status:
        if (this.noteRunChange(frame.body)) this.resetRun();
        this.status = frame.body;
        break;
      case FrameType.StepLosses:
        this.appendStepLosses(frame.body);
        break;
      case FrameType.Epochs:
        this.appendEpochs(frame.body);
        break;
      case FrameType.Probes:
        this.probes = frame.body;
        this.reconstructions = null;
        break;
      case FrameType.Reconstructions:
        this.applyReconstructions(frame.body);
        break;
      case FrameType.DecoderWeights:
        this.decoderWeights = frame.body;
        break;
      case FrameType.EncoderWeights:
        this.encoderWeights = frame.body;
        break;
      case FrameType.LatentMap:
        this.latentMap = frame.body;
        break;
      case FrameType.ReconstructionHistory:
        this.applyReconstructionHistory(frame.body);
        break;
      case FrameType.ReconstructionAdded:
        this.applyReconstructionAdded(frame.body);
        break;
      case FrameType.WeightHistogramHistory:
        this.weightHistograms = frame.body;
        break;
      case FrameType.WeightHistogramAdded:
        this.applyWeightHistogramAdded(frame.body);
        break;
      case FrameType.Error:
        console.warn(`latentcast: the host rejected a request: ${frame.body.message}`);
        break;
    }
    this.notify();
  }

  /** Applies a gallery or polls frame and returns true, or returns false for a frame of another topic. */
  private applyTopicState(frame: Frame): boolean {
    const next = runIndependentStateAfterFrame({ gallery: this.gallery, polls: this.polls }, frame);
    if (!next) return false;

    this.gallery = next.gallery;
    this.polls = next.polls;
    return true;
  }

  // The host sends the probe images once per run and only the outputs after
  // that, so the pairs the grid shows are put together here.
  private applyReconstructions(outputs: ReconstructionOutputs): void {
    if (!this.probes || this.probes.count !== outputs.count) {
      console.warn(`latentcast: skipped reconstructions of ${outputs.count} images that do not match the probe images`);
      return;
    }
    this.reconstructions = { epoch: outputs.epoch, step: outputs.step, count: outputs.count, inputs: this.probes.images, outputs: outputs.outputs };
  }

  /** Records a run that differs from the one this page showed; returns whether it differs. */
  private noteRunChange(status: HostStatus): boolean {
    if (this.status === null || this.status.runId === status.runId) return false;
    this.newRun = { runId: status.runId, reason: status.runReason };
    return true;
  }

  // The history frame carries the probe images, so a page needs no Probes frame with it.
  private applyReconstructionHistory(body: ReconstructionHistoryBody): void {
    this.reconstructionHistory = body;
    this.probes = body.probes;
    const latest = body.entries.at(-1);
    this.reconstructions = latest ? withInputs(latest, body.probes) : null;
  }

  private applyReconstructionAdded(body: ReconstructionAddedBody): void {
    const history = this.reconstructionHistory;
    if (history === null || history.probes.count !== body.entry.count) {
      console.warn(`latentcast: skipped reconstructions at step ${body.entry.step}, which do not match the probe images`);
      return;
    }
    this.reconstructionHistory = { ...history, entries: applyRetained(history.entries, body.entry, body.retainedSteps) };
    this.reconstructions = withInputs(body.entry, history.probes);
  }

  // The host sends a full history whenever the tensors change, so an entry of another layout is a frame from before that.
  private applyWeightHistogramAdded(body: WeightHistogramAddedBody): void {
    const history = this.weightHistograms;
    if (history === null || !sameTensors(history, body)) {
      console.warn(`latentcast: skipped weight histograms at step ${body.entry.step}, which do not match the tensors of the history`);
      return;
    }
    this.weightHistograms = { ...history, entries: applyRetained(history.entries, body.entry, body.retainedSteps) };
  }

  private resetHistory(): void {
    this.resetRun();
    ({ gallery: this.gallery, polls: this.polls } = EMPTY_RUN_INDEPENDENT_STATE);
  }

  private resetRun(): void {
    this.lossHistory = new LossHistory();
    this.steps = this.lossHistory.steps;
    this.losses = this.lossHistory.losses;
    this.elapsedMs = this.lossHistory.elapsedMs;
    this.epochs = [];
    this.reconstructions = null;
    this.reconstructionHistory = null;
    this.weightHistograms = null;
    this.probes = null;
    this.decoderWeights = null;
    this.encoderWeights = null;
    this.latentMap = null;
    this.droppedPoints = 0;
  }

  // The chart needs ascending x values, so a point at or before the last
  // stored step (a repeat or a reordering by the host) is dropped.
  private appendStepLosses(points: readonly StepLoss[]): void {
    const lastStep = this.lossHistory.lastStep;
    const skipped = this.lossHistory.append(points);
    if (skipped > 0) this.warnDropped(skipped, lastStep);
    this.steps = this.lossHistory.steps;
    this.losses = this.lossHistory.losses;
    this.elapsedMs = this.lossHistory.elapsedMs;
  }

  // Epoch numbers must ascend like steps do, so a repeated or older epoch is dropped.
  private appendEpochs(summaries: readonly EpochSummary[]): void {
    const appended: EpochSummary[] = [];
    let lastEpoch = this.epochs.at(-1)?.epoch ?? 0;
    for (const summary of summaries) {
      if (summary.epoch <= lastEpoch) {
        console.warn(`latentcast: dropped the summary of epoch ${summary.epoch}, which is not after epoch ${lastEpoch}`);
        continue;
      }
      appended.push(summary);
      lastEpoch = summary.epoch;
    }
    this.epochs = [...this.epochs, ...appended];
  }

  // Warns on the first dropped batch of a run only, since a host that repeats
  // itself would otherwise flood the console.
  private warnDropped(count: number, lastStep: number | undefined): void {
    if (this.droppedPoints === 0) {
      console.warn(`latentcast: dropped ${count} step losses at or before step ${lastStep}, the newest kept; later drops are not logged`);
    }
    this.droppedPoints += count;
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this);
  }
}

/** Pairs reconstruction outputs with the probe images they reconstruct. */
function withInputs(outputs: ReconstructionOutputs, probes: ProbeImages): ReconstructionSet {
  return { epoch: outputs.epoch, step: outputs.step, count: outputs.count, inputs: probes.images, outputs: outputs.outputs };
}

function sameTensors(history: WeightHistogramState, body: WeightHistogramAddedBody): boolean {
  return history.bins === body.bins && history.names.length === body.names.length && history.names.every((name, i) => name === body.names[i] && history.sizes[i] === body.sizes[i]);
}
