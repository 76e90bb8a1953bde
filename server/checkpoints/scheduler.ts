// Saves checkpoints while a run trains: every N epochs but no more often
// than a minimum interval, when the run finishes, and once more when the
// host stops. Saves run one at a time, and
// a save that fails is logged without touching the previous checkpoint.
// The caller passes in the current run's worker events through `handle`.

import type { TrainingState } from '../../shared/training';
import type { CheckpointState, WorkerEvent } from '../../shared/worker-messages';
import type { RunHistory } from '../broadcast/run-history';
import type { Logger } from '../log';
import { captureCheckpoint, firstNonFiniteWeight } from './checkpoint';
import { keepEarlierRun, saveCheckpoint } from './store';

export interface SchedulerOptions {
  /** Asks the current run's worker for its state, as TrainerThread.checkpoint does, rejecting after `timeoutMs`. */
  requestState: (timeoutMs: number) => Promise<CheckpointState>;
  /** The run's history, which a checkpoint copies up to its step. */
  history: RunHistory;
  stateDir: string;
  /** Epochs between two periodic saves; 0 leaves only the saves at the end of the run and at shutdown. */
  every: number;
  /** Minimum time between two periodic saves, in ms. With 0, a save follows every `every` epochs however short they are. */
  minIntervalMs: number;
  /** Moves step losses that are still waiting for a broadcast into the history, so that a save includes them. */
  flushHistory: () => void;
  /** Epoch and step of the checkpoint the run resumed from, which needs no second save; null for a new run. */
  resumedFrom: { epoch: number; step: number } | null;
  log: Logger;
}

/** Time the worker gets to return the state for a periodic checkpoint. */
const PERIODIC_REQUEST_MS = 15_000;

/** Default maximum time of `saveNow`, after which it resolves with null, so that a host stopping on Ctrl+C waits at most this long for its save. */
const SHUTDOWN_SAVE_MS = 3000;

/**
 * Maximum time a save waits for the step losses up to its step. The worker
 * may return a state up to ten steps past the last loss it has read back, and
 * it sends those losses with the next group of steps, milliseconds later. A
 * save that stops waiting leaves that short gap in the saved loss curve.
 */
const LOSS_WAIT_MS = 1000;

export class CheckpointScheduler {
  private state: TrainingState = 'starting';
  /** Epoch and step of the last checkpoint saved or resumed from. */
  private lastSaved: { epoch: number; step: number };
  /** Last step whose loss the worker has sent. */
  private lastLossStep: number;
  private lossWaiter: { step: number; wake: () => void } | null = null;
  /** The save in progress or queued last; saves run one after another. */
  private queue: Promise<string | null> = Promise.resolve(null);
  /** Number of the current run, counted from 0, so that a save queued for a replaced run is dropped. */
  private run = 0;
  /** Why saves are off: the scheduler is closed, or an earlier run's checkpoint could not be kept. */
  private disabled: string | null = null;
  /** When the last periodic save was queued, or the run started, from performance.now(). */
  private lastPeriodicAt = performance.now();
  /** Saves queued or in progress. */
  private pending = 0;

  constructor(private readonly options: SchedulerOptions) {
    this.lastSaved = options.resumedFrom ?? { epoch: 0, step: 0 };
    this.lastLossStep = this.lastSaved.step;
  }

  /**
   * Saves a checkpoint now, after any save in progress, and resolves with its
   * path. It resolves with null when nothing was saved, because the run has
   * not trained since the last save, it diverged, the save failed, or it did
   * not finish within `deadlineMs`. It never rejects.
   */
  saveNow(reason: string, deadlineMs = SHUTDOWN_SAVE_MS): Promise<string | null> {
    const save = this.enqueue(reason, deadlineMs);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.options.log.error({ reason, deadlineMs }, `no checkpoint saved (${reason}): the save did not finish within ${deadlineMs} ms`);
        resolve(null);
      }, deadlineMs);
      void save.then((path) => {
        clearTimeout(timer);
        resolve(path);
      });
    });
  }

  /** Epoch and step of the last checkpoint saved, or of the one the run resumed from; zeros before the first save of a new run. */
  get saved(): { epoch: number; step: number } {
    return this.lastSaved;
  }

  /** Stops saving; a save in progress still finishes. */
  close(): void {
    this.disabled ??= 'the host is stopping';
  }

  /**
   * Starts over for a new run that replaced the current one in the same
   * history. The replaced run's checkpoint is renamed like one kept by
   * --fresh before the new run's first save, so that save cannot overwrite it.
   */
  startRun(): Promise<void> {
    this.run++;
    this.state = 'starting';
    this.lastSaved = { epoch: 0, step: 0 };
    this.lastLossStep = 0;
    this.lastPeriodicAt = performance.now();

    const kept = this.queue.then(async () => {
      try {
        await keepEarlierRun(this.options.stateDir, this.options.log);
      } catch (error) {
        this.disabled = (error as Error).message;
        this.options.log.error({ err: error }, `checkpoints are off until the host restarts: ${this.disabled}`);
      }
      return null;
    });
    this.queue = kept;
    return kept.then(() => {});
  }

  /** Takes one event of the current run's worker: epoch ends and the end of the run trigger saves. */
  handle(event: WorkerEvent): void {
    if (event.type === 'steps') {
      this.lastLossStep = event.points.at(-1)?.step ?? this.lastLossStep;
      if (this.lossWaiter && this.lastLossStep >= this.lossWaiter.step) this.lossWaiter.wake();
    } else if (event.type === 'state') {
      this.state = event.state;
      if (event.state === 'finished') void this.enqueue('the run finished', PERIODIC_REQUEST_MS);
    } else if (event.type === 'epoch') {
      if (this.periodicSaveDue(event.summary.epoch)) {
        this.lastPeriodicAt = performance.now();
        void this.enqueue(`epoch ${event.summary.epoch} ended`, PERIODIC_REQUEST_MS);
      }
    }
  }

  /**
   * Epochs of a few hundred images end several times a second, and a save
   * encodes the whole loss history on the host's thread, so periodic saves
   * also wait for the minimum interval and for the previous save to finish.
   */
  private periodicSaveDue(epoch: number): boolean {
    const { every, minIntervalMs } = this.options;
    if (every === 0 || epoch % every !== 0) return false;
    if (this.pending > 0) return false;
    return performance.now() - this.lastPeriodicAt >= minIntervalMs;
  }

  private enqueue(reason: string, requestMs: number): Promise<string | null> {
    const run = this.run;
    this.pending++;
    this.queue = this.queue.then(() => this.save(run, reason, requestMs)).finally(() => this.pending--);
    return this.queue;
  }

  private async save(run: number, reason: string, requestMs: number): Promise<string | null> {
    const { history, stateDir, log } = this.options;
    if (run !== this.run) {
      log.debug({ reason }, `no checkpoint saved (${reason}): a new run replaced the run it was for`);
      return null;
    }
    if (this.disabled) {
      log.warn({ reason }, `no checkpoint saved (${reason}): ${this.disabled}`);
      return null;
    }
    if (this.state === 'starting' || this.state === 'stopped') {
      log.debug({ reason, state: this.state }, `no checkpoint saved (${reason}): the run is ${this.state}`);
      return null;
    }
    if (this.state === 'diverged') {
      log.warn({ reason }, `no checkpoint saved (${reason}): the run diverged, so its weights are not finite; the last checkpoint stays`);
      return null;
    }

    try {
      const state = await this.options.requestState(requestMs);
      if (state.step === this.lastSaved.step && state.epoch === this.lastSaved.epoch) {
        log.debug({ reason, step: state.step }, 'no checkpoint saved: no training step since the last one');
        return null;
      }
      const nonFinite = firstNonFiniteWeight(state);
      if (nonFinite) {
        log.warn({ reason, ...nonFinite }, `no checkpoint saved (${reason}): weight ${nonFinite.tensor} contains ${nonFinite.value}, so the last checkpoint stays`);
        return null;
      }

      await this.lossesUpTo(state.step, Math.min(LOSS_WAIT_MS, requestMs));
      if (run !== this.run) return null;
      this.options.flushHistory();
      const checkpoint = captureCheckpoint(state, history);
      const { path, bytes } = await saveCheckpoint(stateDir, checkpoint);
      this.lastSaved = { epoch: state.epoch, step: state.step };
      log.info({ checkpoint: path, epoch: state.epoch, step: state.step, bytes, reason }, `checkpoint saved after epoch ${state.epoch}, step ${state.step} (${reason})`);
      return path;
    } catch (error) {
      log.error({ err: error, reason, stateDir }, `no checkpoint saved (${reason}): ${(error as Error).message}`);
      return null;
    }
  }

  /** Resolves once the worker has sent the losses of every step up to `step`, or after `timeoutMs`. */
  private lossesUpTo(step: number, timeoutMs: number): Promise<void> {
    if (this.lastLossStep >= step || this.state !== 'training') return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.lossWaiter = null;
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.lossWaiter = { step, wake };
    });
  }
}
