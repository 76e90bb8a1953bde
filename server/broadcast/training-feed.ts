// Turns the training worker's events into history and broadcasts: step
// losses are batched over a short interval, status updates are throttled,
// and everything else goes out as it arrives.

import { encodeEpochs, encodeReconstructions, encodeStatus, encodeStepLosses } from '../../shared/protocol/frames';
import type { StepLoss } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import type { Logger } from '../log';
import type { BroadcastHub } from './hub';
import type { RunHistory } from './run-history';

/** Milliseconds over which step losses are batched into one broadcast. */
const LOSS_FLUSH_INTERVAL = 100;

/** Shortest gap between two status broadcasts, in milliseconds, so that a burst of joins sends one. */
const STATUS_MIN_INTERVAL = 250;

export class TrainingFeed {
  private readonly pendingLosses: StepLoss[] = [];
  private readonly flushTimer: NodeJS.Timeout;
  private hub: BroadcastHub | null = null;

  /** Broadcasts the status now, or once when the throttle interval ends. */
  readonly broadcastStatus: () => void;

  constructor(
    private readonly history: RunHistory,
    private readonly log: Logger,
  ) {
    this.broadcastStatus = throttle(() => this.sendStatus(), STATUS_MIN_INTERVAL);
    this.flushTimer = setInterval(() => this.flushLosses(), LOSS_FLUSH_INTERVAL);
    this.flushTimer.unref();
  }

  /** Connects the hub, which is created after the feed because it needs the feed's snapshot and status callbacks. */
  attach(hub: BroadcastHub): void {
    this.hub = hub;
  }

  handle(event: WorkerEvent): void {
    switch (event.type) {
      case 'ready':
        this.history.setReady(event.backend, event.dataset, event.layerSizes);
        this.log.info({ backend: event.backend.name, reason: event.backend.reason }, `TensorFlow.js backend: ${event.backend.name}`);
        this.log.info({ dataset: event.dataset, layers: event.layerSizes.join('-') }, 'dataset loaded, model built');
        this.broadcastStatus();
        break;
      case 'state':
        // Losses of the steps before a state change reach viewers before it.
        this.flushLosses();
        this.history.setState(event.state, event.reason);
        this.log[event.state === 'diverged' ? 'warn' : 'info']({ state: event.state, reason: event.reason }, `training ${event.state}`);
        this.sendStatus();
        break;
      case 'steps':
        this.pendingLosses.push(...event.points);
        break;
      case 'epoch':
        this.flushLosses();
        this.history.addEpoch(event.summary);
        this.log.info(roundNumbers(event.summary), `epoch ${event.summary.epoch}/${this.history.config.epochs} done`);
        this.send(encodeEpochs(this.nextSeq(), [event.summary]), true);
        this.broadcastStatus();
        break;
      case 'reconstructions':
        this.history.reconstructions = event.set;
        this.send(encodeReconstructions(this.nextSeq(), event.set), false);
        break;
      case 'memory':
        this.log.debug({ numTensors: event.numTensors, step: event.step }, 'tensor count');
        break;
      case 'warning':
        this.log.warn(event.message);
        break;
      case 'fatal':
        this.log.error({ err: event.message }, 'training failed');
        break;
    }
  }

  /** Sends what is still batched and stops the flush timer. */
  close(): void {
    this.flushLosses();
    clearInterval(this.flushTimer);
  }

  // History takes step losses only as they are broadcast, so that a viewer's
  // snapshot and the live batches after it neither overlap nor leave a gap.
  private flushLosses(): void {
    if (this.pendingLosses.length === 0) return;
    this.history.addStepLosses(this.pendingLosses);
    this.send(encodeStepLosses(this.nextSeq(), this.pendingLosses), false);
    this.pendingLosses.length = 0;
  }

  private sendStatus(): void {
    this.send(encodeStatus(this.nextSeq(), this.history.status(this.hub?.viewerCount ?? 0)), true);
  }

  private send(frame: Uint8Array, essential: boolean): void {
    this.hub?.broadcast(frame, essential);
  }

  private nextSeq(): number {
    return this.hub?.nextSeq() ?? 0;
  }
}

/** Wraps `action` so that it runs at most once per `interval` ms, the last call of a burst included. */
function throttle(action: () => void, interval: number): () => void {
  let last = 0;
  let timer: NodeJS.Timeout | null = null;
  return () => {
    if (timer) return;
    const wait = last + interval - Date.now();
    if (wait <= 0) {
      last = Date.now();
      action();
      return;
    }
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      action();
    }, wait);
    timer.unref();
  };
}

function roundNumbers<T extends object>(record: T): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, Number((value as number).toPrecision(5))]));
}
