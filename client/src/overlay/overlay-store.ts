// Run state of the overlay, rebuilt from the host's frames. Unlike the
// viewer's store, every field is bounded: an OBS browser source stays open
// for the whole stream, so memory must not grow with the run's length.

import { FrameType } from '../../../shared/protocol/frames';
import type { Frame, ProbeImages, ReconstructionOutputs } from '../../../shared/protocol/frames';
import type { EpochSummary, HostStatus, LatentMap, ReconstructionSet, RunConfig, StepLoss } from '../../../shared/training';
import { EMPTY_RUN_INDEPENDENT_STATE, runIndependentStateAfterFrame } from '../live/run-independent-state';
import type { GalleryState } from '../live/gallery-state';
import type { PollsView } from '../polls/poll-state';
import { BoundedSeries } from './bounded-series';
import type { SocketState } from './overlay-socket';

/** Most training loss points kept; the host's join snapshot has up to 4,000, which compact into this. */
export const MAX_LOSS_POINTS = 2000;

/** Most epoch summaries kept; beyond it, every other one of the older half is dropped. */
export const MAX_EPOCHS = 1000;

export type OverlayListener = () => void;

export class OverlayStore {
  /** Run configuration from the latest Hello frame; null before the first. */
  config: RunConfig | null = null;
  /** Latest host status; null before the first Hello frame. */
  status: HostStatus | null = null;
  /** Steps of the kept training losses, ascending; a new view after every change. */
  steps: Float64Array;
  /** Training loss at each entry of `steps`, as sent (may be non-finite). */
  losses: Float64Array;
  /** Epoch summaries with ascending epoch numbers, at most MAX_EPOCHS. */
  epochs: readonly EpochSummary[] = [];
  /** Fixed validation images of the run; null until the host sends them. */
  probes: ProbeImages | null = null;
  /** Latest probe images with their reconstructions; null until the host sends some. */
  reconstructions: ReconstructionSet | null = null;
  /** Latest latent codes of validation images; null until the host sends some. */
  latentMap: LatentMap | null = null;
  /** Newest and most-voted gallery items, at most 48 of each. */
  gallery: GalleryState = EMPTY_RUN_INDEPENDENT_STATE.gallery;
  /** The open poll and the last result, one of each. */
  polls: PollsView = EMPTY_RUN_INDEPENDENT_STATE.polls;
  /** State of the socket to the host. */
  connection: SocketState = 'connecting';

  private readonly series = new BoundedSeries(MAX_LOSS_POINTS);
  private readonly listeners = new Set<OverlayListener>();

  constructor() {
    this.steps = this.series.steps();
    this.losses = this.series.values();
  }

  /** Newest training step known from the status or the loss points; 0 before the first. */
  get latestStep(): number {
    return Math.max(this.status?.step ?? 0, this.series.lastStep ?? 0);
  }

  /** Adds a listener called after every change; returns a function that removes it. */
  subscribe(listener: OverlayListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setConnection(state: SocketState): void {
    if (state === this.connection) return;
    this.connection = state;
    this.notify();
  }

  /**
   * Applies one decoded frame. A Hello frame starts over, since the host
   * sends the whole state after it. A new run, announced by a RunStarted
   * frame or seen in a status, clears the run's losses and images but keeps
   * the gallery and the polls, which outlive runs.
   */
  applyFrame(frame: Frame): void {
    if (this.applyTopicState(frame)) {
      this.notify();
      return;
    }

    switch (frame.type) {
      case FrameType.Hello:
        this.reset();
        this.config = frame.body.config;
        this.status = frame.body.status;
        break;
      case FrameType.RunStarted:
        this.resetRun();
        this.config = frame.body.config;
        this.status = frame.body.status;
        break;
      case FrameType.Status:
        if (this.status && this.status.runId !== frame.body.runId) this.resetRun();
        this.status = frame.body;
        break;
      case FrameType.StepLosses:
        this.appendLosses(frame.body);
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
      case FrameType.LatentMap:
        this.latentMap = frame.body;
        break;
      case FrameType.Error:
        console.warn(`latentcast overlay: the host rejected a request: ${frame.body.message}`);
        return;
      default:
        // Weight frames are for the viewer page; the overlay does not subscribe to them.
        return;
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

  private reset(): void {
    this.resetRun();
    ({ gallery: this.gallery, polls: this.polls } = EMPTY_RUN_INDEPENDENT_STATE);
  }

  private resetRun(): void {
    this.series.clear();
    this.steps = this.series.steps();
    this.losses = this.series.values();
    this.epochs = [];
    this.probes = null;
    this.reconstructions = null;
    this.latentMap = null;
  }

  // The chart needs ascending steps, so a point at or before the newest one is dropped.
  private appendLosses(points: readonly StepLoss[]): void {
    for (const point of points) {
      const lastStep = this.series.lastStep;
      if (lastStep !== undefined && point.step <= lastStep) continue;
      this.series.push(point.step, point.loss);
    }
    this.steps = this.series.steps();
    this.losses = this.series.values();
  }

  private appendEpochs(summaries: readonly EpochSummary[]): void {
    let lastEpoch = this.epochs.at(-1)?.epoch ?? 0;
    const appended = summaries.filter((summary) => {
      if (summary.epoch <= lastEpoch) return false;
      lastEpoch = summary.epoch;
      return true;
    });
    if (appended.length === 0) return;

    let epochs = [...this.epochs, ...appended];
    while (epochs.length > MAX_EPOCHS) epochs = thinOlderHalf(epochs);
    this.epochs = epochs;
  }

  // The host sends the probe images once per run and only the outputs after that.
  private applyReconstructions(outputs: ReconstructionOutputs): void {
    if (!this.probes || this.probes.count !== outputs.count) {
      console.warn(`latentcast overlay: skipped reconstructions of ${outputs.count} images that do not match the probe images`);
      return;
    }
    this.reconstructions = { epoch: outputs.epoch, step: outputs.step, count: outputs.count, inputs: this.probes.images, outputs: outputs.outputs };
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

/** Drops every other item of the older half, keeping the first, so that the newest epochs keep full detail. */
function thinOlderHalf<T>(items: readonly T[]): T[] {
  const half = Math.floor(items.length / 2);
  return items.filter((_, index) => index >= half || index % 2 === 0);
}
