// Turns the training worker's events into history and broadcasts. Each
// topic goes out at most a configured number of times per second: step
// losses are batched in between, and for reconstructions, weights and status
// the latest value wins.

import { basename } from 'node:path';

import {
  encodeEpochs,
  encodeLatentMap,
  encodeProbes,
  encodeReconstructionAdded,
  encodeReconstructionHistory,
  encodeReconstructions,
  encodeRunStarted,
  encodeStatus,
  encodeStepLosses,
  encodeWeightHistogramAdded,
  encodeWeightHistogramHistory,
} from '../../shared/protocol/frames';
import type { Topic } from '../../shared/protocol/topics';
import type { EpochSummary, ModelSnapshot, RunConfig, StepLoss } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import type { HostMetrics } from '../http/metrics';
import type { Logger } from '../log';
import type { BroadcastHub } from './hub';
import type { RunHistory } from './run-history';
import type { NamedTensor } from './weight-histograms';

/** Maximum broadcasts per second of each topic. */
export type TopicRates = Record<Topic, number>;

/** Topics whose frames come from the training worker; the gallery and polls have their own feeds. */
type TrainingTopic = Exclude<Topic, 'gallery' | 'polls'>;

// At these rates a viewer of every topic of the default run receives about
// 8 KB/s: a reconstruction frame is 6 KB, the encoder and decoder weights
// 7 KB each, and a latent map of 1,000 codes of 8 values 33 KB once per epoch.
// The gallery and polls rates apply to vote tallies; new items, removals,
// opened polls and results go out at once.
// Each broadcast of the two history topics adds one entry to the history the
// host keeps, so their rates also set how finely a short run is recorded.
export const DEFAULT_TOPIC_RATES: TopicRates = {
  status: 4,
  loss: 10,
  reconstructions: 0.5,
  weights: 0.2,
  latent: 0.1,
  gallery: 4,
  polls: 4,
  'reconstruction-history': 0.5,
  'weight-histograms': 0.2,
};

export class TrainingFeed {
  private readonly pendingLosses: StepLoss[] = [];
  private readonly pendingEpochs: EpochSummary[] = [];
  private readonly flushers: Record<TrainingTopic, Throttled>;
  private hub: BroadcastHub | null = null;
  /** Labels of the probe images, sent by the worker before the run's first reconstructions. */
  private pendingProbeLabels: Uint8Array | null = null;
  /** Step and time of the previous loss broadcast, for the steps-per-second metric. */
  private lastRate: { step: number; time: number } | null = null;

  constructor(
    private readonly history: RunHistory,
    private readonly log: Logger,
    private readonly metrics: HostMetrics,
    rates: TopicRates = DEFAULT_TOPIC_RATES,
  ) {
    this.flushers = {
      status: new Throttled(() => this.sendStatus(), rates.status),
      loss: new Throttled(() => this.flushLosses(), rates.loss),
      reconstructions: new Throttled(() => this.sendReconstructions(), rates.reconstructions),
      weights: new Throttled(() => this.sendWeights(), rates.weights),
      latent: new Throttled(() => this.sendLatentMap(), rates.latent),
      'reconstruction-history': new Throttled(() => this.sendReconstructionAdded(), rates['reconstruction-history']),
      'weight-histograms': new Throttled(() => this.sendWeightHistograms(), rates['weight-histograms']),
    };
  }

  /** Connects the hub, which is created after the feed because it needs the feed's callbacks. */
  attach(hub: BroadcastHub): void {
    this.hub = hub;
  }

  /** Schedules a status broadcast, for example after a viewer joined or left. */
  statusChanged(): void {
    this.metrics.viewers.set(this.hub?.viewerCount ?? 0);
    this.flushers.status.request();
  }

  /**
   * Switches the record and every page to a new run. Step losses of the old
   * run that are still pending go out first, then a RunStarted frame to every
   * connection, so pages clear their charts before the new run's first frame.
   */
  startRun(config: RunConfig, reason: string): void {
    this.flushers.loss.runNow();
    Object.values(this.flushers).forEach((flusher) => flusher.cancel());
    this.pendingProbeLabels = null;
    this.resetStepRate();

    const previous = this.history.runId;
    this.history.startRun(config, reason);
    this.log.info({ runId: this.history.runId, previousRunId: previous, reason }, 'new run started');

    const status = this.history.status(this.hub?.viewerCount ?? 0);
    this.hub?.broadcastToAll(encodeRunStarted(this.nextSeq(), { config: this.history.publicConfig(), status }));
  }

  handle(event: WorkerEvent): void {
    switch (event.type) {
      case 'ready':
        this.history.setReady(event);
        this.log.info({ backend: event.backend.name, reason: event.backend.reason }, `TensorFlow.js backend: ${event.backend.name}`);
        this.log.info({ runId: this.history.runId, dataset: event.dataset, layers: event.layerSizes.join('-') }, 'dataset loaded, model built');
        this.flushers.status.request();
        break;
      case 'state':
        // Losses of the steps before a state change reach viewers before it.
        this.flushers.loss.runNow();
        this.history.setState(event.state, event.reason);
        if (event.state !== 'training') this.resetStepRate();
        this.log[event.state === 'diverged' ? 'warn' : 'info']({ state: event.state, reason: event.reason }, `state: ${event.state}`);
        this.flushers.status.runNow();
        break;
      case 'steps':
        this.pendingLosses.push(...event.points);
        this.flushers.loss.request();
        break;
      case 'epoch':
        // Epochs of a small dataset can end many times a second, so they
        // travel with the step losses at the loss topic's rate.
        this.pendingEpochs.push(event.summary);
        this.log.info(roundNumbers(event.summary), `epoch ${event.summary.epoch}/${this.history.config.epochs} done`);
        this.flushers.loss.request();
        this.flushers.status.request();
        break;
      case 'probes':
        this.history.probes = null;
        this.pendingProbeLabels = event.labels;
        break;
      case 'reconstructions':
        this.storeReconstructions(event);
        this.flushers.reconstructions.request();
        this.flushers['reconstruction-history'].request();
        break;
      case 'weights':
        this.history.setWeights(event.encoder, event.decoder);
        this.flushers.weights.request();
        this.flushers['weight-histograms'].request();
        break;
      case 'latent':
        this.history.latentMap = event.map;
        this.flushers.latent.request();
        break;
      case 'memory':
        this.log.debug({ numTensors: event.numTensors, followerTensors: event.followerTensors, step: event.step }, 'tensor count');
        break;
      case 'warning':
        this.log.warn(event.message);
        break;
      case 'threads':
        if (event.count < event.requested) this.log.warn({ trainThreads: event.count, requested: event.requested }, event.reason);
        else this.log.info({ trainThreads: event.count }, event.reason);
        break;
      case 'fatal': {
        // The host keeps serving the history; viewers see why training ended, with the model file by its name only.
        const at = event.location ? ` (${basename(event.location.file)}:${event.location.line})` : '';
        this.log.error({ location: event.location }, `training failed: ${event.message}${at}`);
        this.history.setState('stopped', `training failed: ${event.message}${at}`);
        this.resetStepRate();
        this.flushers.status.runNow();
        break;
      }
    }
  }

  /** Moves step losses and epochs still waiting for the loss topic's next broadcast into the history, and broadcasts them. */
  flush(): void {
    this.flushers.loss.runNow();
  }

  /** Sends what is still pending and stops every timer. */
  close(): void {
    this.flushers.loss.runNow();
    Object.values(this.flushers).forEach((flusher) => flusher.cancel());
  }

  /** Keeps the outputs as the latest reconstructions; the first set of a run also fixes the probe images. */
  private storeReconstructions(event: Extract<WorkerEvent, { type: 'reconstructions' }>): void {
    const { set } = event;
    if (!this.history.probes) {
      this.history.probes = { count: set.count, images: set.inputs, labels: this.pendingProbeLabels ?? new Uint8Array(set.count) };
      this.send(encodeProbes(this.nextSeq(), this.history.probes), 'reconstructions', true);
      this.history.reconstructionHistory.reset(this.history.probes);
      this.send(encodeReconstructionHistory(this.nextSeq(), this.history.reconstructionHistory.historyBody()!), 'reconstruction-history', true);
    }
    this.history.reconstructions = { epoch: set.epoch, step: set.step, count: set.count, outputs: set.outputs };
  }

  // History takes step losses only as they are broadcast, so that a viewer's
  // snapshot and the live batches after it neither overlap nor leave a gap.
  private flushLosses(): void {
    if (this.pendingLosses.length > 0) {
      this.history.addStepLosses(this.pendingLosses);
      this.updateStepRate(this.pendingLosses[this.pendingLosses.length - 1].step);
      this.send(encodeStepLosses(this.nextSeq(), this.pendingLosses), 'loss', true);
      this.pendingLosses.length = 0;
    }
    if (this.pendingEpochs.length > 0) {
      this.pendingEpochs.forEach((summary) => this.history.addEpoch(summary));
      this.send(encodeEpochs(this.nextSeq(), this.pendingEpochs), 'loss', true);
      this.pendingEpochs.length = 0;
    }
  }

  private sendStatus(): void {
    this.send(encodeStatus(this.nextSeq(), this.history.status(this.hub?.viewerCount ?? 0)), 'status', true);
  }

  private sendReconstructions(): void {
    if (this.history.reconstructions) this.send(encodeReconstructions(this.nextSeq(), this.history.reconstructions), 'reconstructions', false);
  }

  // A viewer whose buffer is above the soft limit misses history entries
  // rather than growing its buffer further. Its scrubber then has a gap
  // until it reconnects and receives the whole history again.
  private sendReconstructionAdded(): void {
    const latest = this.history.reconstructions;
    if (latest === null || !this.history.reconstructionHistory.add(latest)) return;
    this.send(encodeReconstructionAdded(this.nextSeq(), this.history.reconstructionHistory.addedBody()!), 'reconstruction-history', false);
  }

  // The first histograms of a model replace the page's history, so that frame is essential.
  private sendWeightHistograms(): void {
    const { encoderWeights, decoderWeights } = this.history;
    if (encoderWeights === null || decoderWeights === null) return;

    const histograms = this.history.weightHistograms;
    const tensors = [...namedTensors('encoder', encoderWeights), ...namedTensors('decoder', decoderWeights)];
    const result = histograms.add(encoderWeights.step, tensors);
    if (result === 'reset') this.send(encodeWeightHistogramHistory(this.nextSeq(), histograms.historyBody()!), 'weight-histograms', true);
    if (result === 'added') this.send(encodeWeightHistogramAdded(this.nextSeq(), histograms.addedBody()!), 'weight-histograms', false);
  }

  private sendWeights(): void {
    for (const frame of this.history.weightFrames(this.nextSeq())) this.send(frame, 'weights', false);
  }

  private sendLatentMap(): void {
    if (this.history.latentMap) this.send(encodeLatentMap(this.nextSeq(), this.history.latentMap), 'latent', false);
  }

  private updateStepRate(step: number): void {
    const now = performance.now();
    if (this.lastRate && now > this.lastRate.time) {
      this.metrics.trainingStepsPerSecond.set(((step - this.lastRate.step) * 1000) / (now - this.lastRate.time));
    }
    this.lastRate = { step, time: now };
  }

  private resetStepRate(): void {
    this.metrics.trainingStepsPerSecond.set(0);
    this.lastRate = null;
  }

  private send(frame: Uint8Array, topic: Topic, essential: boolean): void {
    this.hub?.broadcast(frame, topic, essential);
  }

  private nextSeq(): number {
    return this.hub?.nextSeq() ?? 0;
  }
}

/**
 * Runs an action at most `perSecond` times per second: the first request
 * runs at once, and requests during the pause after it run once at its end.
 */
export class Throttled {
  private readonly interval: number;
  private last = -Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly action: () => void,
    perSecond: number,
  ) {
    this.interval = 1000 / perSecond;
  }

  request(): void {
    if (this.timer) return;
    const wait = this.last + this.interval - performance.now();
    if (wait <= 0) {
      this.runNow();
      return;
    }
    this.timer = setTimeout(() => this.runNow(), wait);
    this.timer.unref();
  }

  /** Runs the action now, folding in any scheduled run. */
  runNow(): void {
    this.cancel();
    this.last = performance.now();
    this.action();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Returns the snapshot's weights in `getWeights()` order, named with the model's role first, such as `encoder/dense_Dense1/kernel`. */
function namedTensors(role: 'encoder' | 'decoder', snapshot: ModelSnapshot): NamedTensor[] {
  return snapshot.weights.map((weight) => ({ name: `${role}/${weight.name}`, values: weight.values }));
}

function roundNumbers<T extends object>(record: T): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, Number((value as number).toPrecision(5))]));
}
