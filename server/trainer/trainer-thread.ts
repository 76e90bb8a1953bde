// The main thread's handle on the training worker: it starts the worker,
// forwards commands and turns its messages and exit into events.

import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';

import type { SourceLocation } from '../../shared/training';
import type { CheckpointState, WorkerCommand, WorkerEvent, WorkerInit } from '../../shared/worker-messages';
import { checkLearningRate } from './optimizer';

type ReadyEvent = Extract<WorkerEvent, { type: 'ready' }>;

/** Raised when the worker fails before training starts, such as for an empty image folder. */
export class TrainerStartError extends Error {
  override name = 'TrainerStartError';

  constructor(
    message: string,
    /** Location in the streamer's model file of the failure, when it came from there. */
    readonly location?: SourceLocation,
  ) {
    super(message);
  }
}

/** Raised when the worker does not return the state a checkpoint needs: not ready yet, gone, or too slow. */
export class CheckpointRequestError extends Error {
  override name = 'CheckpointRequestError';
}

/** Time the worker gets to release its tensors after `stop` before it is terminated. */
const STOP_GRACE_MS = 5000;

/**
 * Default time the worker gets to return the state for a checkpoint. It
 * returns it between two steps, but a validation pass over MNIST's 10,000
 * test images runs without a break and takes about a second on the WASM backend.
 */
const CHECKPOINT_TIMEOUT_MS = 15_000;

export class TrainerThread extends EventEmitter<{ event: [WorkerEvent]; exit: [number] }> {
  /** Resolves once the backend runs, the dataset is loaded and the model is built. */
  readonly ready: Promise<ReadyEvent>;
  private readonly worker: Worker;
  private exited = false;
  private isReady = false;
  private lastCheckpointId = 0;

  constructor(init: WorkerInit) {
    super();
    this.worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: init });
    this.ready = new Promise<ReadyEvent>((resolve, reject) => {
      this.on('event', (event) => {
        if (event.type === 'ready') {
          this.isReady = true;
          resolve(event);
        }
        if (event.type === 'fatal') reject(new TrainerStartError(event.message, event.location));
      });
      this.once('exit', (code) => reject(new TrainerStartError(`the training worker exited with code ${code} before it was ready`)));
    });
    // A rejection that no caller awaits yet must not crash the host, and later `ready` callers still receive it.
    this.ready.catch(() => {});

    this.worker.on('message', (event: WorkerEvent) => this.emit('event', event));
    this.worker.on('error', (error) => this.emit('event', { type: 'fatal', message: error.message }));
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.emit('exit', code);
    });
  }

  pause(): void {
    this.send({ type: 'pause' });
  }

  resume(): void {
    this.send({ type: 'resume' });
  }

  /** Changes the learning rate from the worker's next step on. Throws a RangeError unless it is a finite number above 0. */
  setLearningRate(value: number): void {
    checkLearningRate(value);
    this.send({ type: 'setLearningRate', value });
  }

  /**
   * Asks the worker for its weights, optimizer state, epoch and step, and
   * resolves with them once it returns them between two training steps.
   * Rejects with a CheckpointRequestError before `ready`, after the worker
   * exited or failed, or when no response came within `timeoutMs`.
   */
  checkpoint(timeoutMs = CHECKPOINT_TIMEOUT_MS): Promise<CheckpointState> {
    if (this.exited) return Promise.reject(new CheckpointRequestError('the training worker has exited, so there is no model to checkpoint'));
    if (!this.isReady) {
      return Promise.reject(new CheckpointRequestError('the training worker is still loading the dataset and building the model, so there is nothing to checkpoint yet'));
    }

    const id = ++this.lastCheckpointId;
    return new Promise<CheckpointState>((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.off('exit', onExit);
        outcome();
      };
      const onEvent = (event: WorkerEvent) => {
        if (event.type === 'checkpoint' && event.id === id) settle(() => resolve(event.state));
        if (event.type === 'fatal') settle(() => reject(new CheckpointRequestError(`training failed before the response to checkpoint request ${id}: ${event.message}`)));
      };
      const onExit = (code: number) => {
        settle(() => reject(new CheckpointRequestError(`the training worker exited with code ${code} before responding to checkpoint request ${id}`)));
      };
      const timer = setTimeout(() => {
        settle(() => reject(new CheckpointRequestError(`checkpoint request ${id} timed out: the training worker did not respond within ${timeoutMs} ms`)));
      }, timeoutMs);

      this.on('event', onEvent);
      this.on('exit', onExit);
      this.send({ type: 'checkpoint', id });
    });
  }

  /** Asks the worker to release its tensors and exit; terminates it if it takes too long. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exit = new Promise<void>((resolve) => this.once('exit', () => resolve()));
    // Before `ready` the worker is still loading data and holds no model to release.
    if (!this.isReady) void this.worker.terminate();
    this.send({ type: 'stop' });
    const timer = setTimeout(() => void this.worker.terminate(), STOP_GRACE_MS);
    await exit;
    clearTimeout(timer);
  }

  private send(command: WorkerCommand): void {
    if (!this.exited) this.worker.postMessage(command);
  }
}
