// The RunManager owns the training worker. A restart trains a candidate
// worker next to the current one and switches only once the candidate is
// ready, so a bad setting never leaves viewers without a running model.
//
// Restarts are serialized by one rule: the latest request wins. A restart
// requested while another is still starting stops that candidate, whose
// caller gets a RestartSupersededError, and applies its own changes to the
// configuration of the run that trains now (the two requests' changes are
// not merged).

import { EventEmitter } from 'node:events';

import type { RunConfig, SourceLocation } from '../../shared/training';
import type { CheckpointState, WorkerEvent, WorkerInit } from '../../shared/worker-messages';
import type { RunHistory } from '../broadcast/run-history';
import type { Logger } from '../log';
import { TrainerThread } from '../trainer/trainer-thread';
import { RunStartError } from './run-control';
import type { LiveSettings, RunControl } from './run-control';

/** Time a candidate run gets to load its data, build its model and run its preflight step. */
export const CANDIDATE_TIMEOUT_MS = 120_000;

/** Raised for a restart that a later restart replaced before its candidate was ready. */
export class RestartSupersededError extends RunStartError {
  override name = 'RestartSupersededError';
}

/** The parts of the training feed that the manager drives. */
export interface RunFeed {
  handle(event: WorkerEvent): void;
  startRun(config: RunConfig, reason: string): void;
  statusChanged(): void;
}

/** Training that runs outside the host, such as the script of a companion host, which takes the panel's pause and resume. */
export interface ExternalTraining {
  pause(): void;
  resume(): void;
}

/** Starts a training worker; tests may pass their own. */
export type TrainerFactory = (init: WorkerInit) => TrainerThread;

export interface RunManagerOptions {
  history: RunHistory;
  feed: RunFeed;
  log: Logger;
  /** Steps between two reconstruction refreshes, for every run. */
  reconstructionEvery: number;
  /** Threads that share each training step of the dense and deep models, for every run; 1 when absent. */
  trainThreads?: number;
  /** Checkpoint the first run continues from, or null; later runs start from fresh weights. */
  resume?: CheckpointState | null;
  /** Milliseconds a candidate run gets to become ready; CANDIDATE_TIMEOUT_MS by default. */
  candidateTimeoutMs?: number;
  startTrainer?: TrainerFactory;
}

/** A restart whose candidate worker is still starting. */
export interface PendingRestart {
  reason: string;
  changes: Partial<RunConfig>;
  /** Time of the request, in milliseconds since the Unix epoch. */
  requestedAt: number;
}

/** The latest restart that failed, for the host panel. */
export interface RejectedRestart {
  reason: string;
  message: string;
  location: SourceLocation | null;
  /** Time of the failure, in milliseconds since the Unix epoch. */
  at: number;
}

interface Candidate extends PendingRestart {
  trainer: TrainerThread;
  config: RunConfig;
  /** Warnings the candidate sent before it was ready, replayed into the new run's record. */
  buffered: WorkerEvent[];
  timer: NodeJS.Timeout | null;
  resolve: () => void;
  reject: (error: RunStartError) => void;
}

export class RunManager
  extends EventEmitter<{ event: [WorkerEvent]; run: [TrainerThread] }>
  implements RunControl
{
  private trainer: TrainerThread | null = null;
  private external: ExternalTraining | null = null;
  private candidate: Candidate | null = null;
  private rejected: RejectedRestart | null = null;
  /** Workers that were replaced or rejected and are still releasing their tensors. */
  private readonly retiring = new Set<Promise<void>>();
  private closed = false;
  private readonly history: RunHistory;
  private readonly feed: RunFeed;
  private readonly log: Logger;
  private readonly candidateTimeoutMs: number;
  private readonly startTrainer: TrainerFactory;

  constructor(private readonly options: RunManagerOptions) {
    super();
    this.history = options.history;
    this.feed = options.feed;
    this.log = options.log;
    this.candidateTimeoutMs = options.candidateTimeoutMs ?? CANDIDATE_TIMEOUT_MS;
    this.startTrainer = options.startTrainer ?? ((init) => new TrainerThread(init));
  }

  /** Configuration of the run that trains now, including live changes. */
  get config(): RunConfig {
    return this.history.config;
  }

  /**
   * Worker of the run that trains now, for callers that send it commands
   * such as checkpoints. It changes at every restart, announced by a `run`
   * event; `event` repeats every event of the current worker, or of the
   * external training on a host without a worker.
   */
  get current(): TrainerThread {
    if (!this.trainer) throw new Error('the first run has not started; call start() first');
    return this.trainer;
  }

  /** The restart whose candidate is starting, or null. */
  get pending(): PendingRestart | null {
    if (!this.candidate) return null;
    const { reason, changes, requestedAt } = this.candidate;
    return { reason, changes, requestedAt };
  }

  /** The latest restart that failed, or null. */
  get lastRejection(): RejectedRestart | null {
    return this.rejected;
  }

  /** Starts the first run and resolves once it is ready; rejects with TrainerStartError when it fails to start. */
  async start(): Promise<void> {
    if (this.trainer) throw new Error('the first run has already started');
    const trainer = this.launch(this.history.config, this.options.resume ?? null);
    this.makeCurrent(trainer);
    await trainer.ready;
  }

  pause(): void {
    (this.trainer ?? this.external)?.pause();
  }

  resume(): void {
    (this.trainer ?? this.external)?.resume();
  }

  /**
   * Hands pause and resume to training that runs outside the host, for a
   * host without a worker. That training reports its events through
   * handleExternal.
   */
  attachExternal(training: ExternalTraining): void {
    if (this.trainer) throw new Error('this host trains in a worker; external training needs a host without one');
    this.external = training;
  }

  /** Takes one event of the external training, as the current worker's events are taken. */
  handleExternal(event: WorkerEvent): void {
    this.feed.handle(event);
    this.emit('event', event);
  }

  update(settings: Partial<LiveSettings>, reason: string): void {
    const { learningRate } = settings;
    if (learningRate === undefined) return;
    if (!Number.isFinite(learningRate) || learningRate <= 0) {
      throw new RangeError(`learning rate ${learningRate} is not valid; use a number above 0, such as 0.001`);
    }

    this.history.setLearningRate(learningRate);
    this.trainer?.setLearningRate(learningRate);
    // A run that is still starting gets the new rate too, so that the latest request wins here as well.
    if (this.candidate) {
      this.candidate.config = { ...this.candidate.config, learningRate };
      this.candidate.trainer.setLearningRate(learningRate);
    }
    this.feed.statusChanged();
    this.log.info({ runId: this.history.runId, learningRate, reason }, 'learning rate changed');
  }

  restart(changes: Partial<RunConfig>, reason: string): Promise<void> {
    if (this.closed) return Promise.reject(new RunStartError('the host is shutting down, so no new run starts'));
    if (this.candidate) this.supersede(this.candidate, reason);

    const config = { ...this.history.config, ...changes };
    this.log.info({ runId: this.history.runId, reason, changes }, 'restart requested; starting the new run next to the current one');
    return new Promise<void>((resolve, reject) => {
      const trainer = this.launch(config, null);
      const candidate: Candidate = { trainer, config, reason, changes, requestedAt: Date.now(), buffered: [], resolve, reject, timer: null };
      candidate.timer = setTimeout(() => this.fail(candidate, this.timeoutMessage(), null), this.candidateTimeoutMs);
      this.candidate = candidate;
      // The worker may exit before `ready` without a fatal event, such as when it runs out of memory.
      trainer.ready.catch((error: Error) => this.fail(candidate, error.message, null));
    });
  }

  /** Stops the candidate, if any, and every worker; resolves once they exited. */
  async stop(): Promise<void> {
    this.closed = true;
    if (this.candidate) this.supersede(this.candidate, 'host shutdown');
    if (this.trainer) this.retire(this.trainer);
    await Promise.all(this.retiring);
  }

  /** Starts a worker whose events go through `route`. */
  private launch(config: RunConfig, resume: CheckpointState | null): TrainerThread {
    const { reconstructionEvery, trainThreads } = this.options;
    const trainer = this.startTrainer({ config, reconstructionEvery, resume, trainThreads });
    trainer.on('event', (event) => this.route(trainer, event));
    trainer.on('exit', (code) => this.log.info({ code, current: trainer === this.trainer }, 'training worker exited'));
    return trainer;
  }

  /**
   * Sends the current worker's events to the feed. A candidate's events wait
   * for its `ready`, and events of retired workers are dropped, because they
   * belong to a run that viewers no longer see.
   */
  private route(trainer: TrainerThread, event: WorkerEvent): void {
    if (trainer === this.trainer) {
      this.feed.handle(event);
      this.emit('event', event);
      return;
    }

    const candidate = this.candidate;
    if (!candidate || candidate.trainer !== trainer) return;
    if (event.type === 'ready') this.promote(candidate, event);
    else if (event.type === 'fatal') this.fail(candidate, event.message, event.location ?? null);
    else candidate.buffered.push(event);
  }

  /** Makes a ready candidate the current run and retires the worker it replaces. */
  private promote(candidate: Candidate, ready: WorkerEvent): void {
    if (candidate.timer) clearTimeout(candidate.timer);
    this.candidate = null;
    const previous = this.trainer;

    this.feed.startRun(candidate.config, candidate.reason);
    this.makeCurrent(candidate.trainer);
    for (const event of [...candidate.buffered, ready]) this.route(candidate.trainer, event);
    if (previous) this.retire(previous);

    this.log.info({ runId: this.history.runId, reason: candidate.reason }, 'restart done; the new run trains');
    candidate.resolve();
  }

  private makeCurrent(trainer: TrainerThread): void {
    this.trainer = trainer;
    this.emit('run', trainer);
  }

  /** Rejects a candidate that failed before it was ready and stops its worker; the current run goes on. */
  private fail(candidate: Candidate, message: string, location: SourceLocation | null): void {
    if (this.candidate !== candidate) return;
    if (candidate.timer) clearTimeout(candidate.timer);
    this.candidate = null;
    this.retire(candidate.trainer);

    this.rejected = { reason: candidate.reason, message, location, at: Date.now() };
    this.log.error({ runId: this.history.runId, reason: candidate.reason, location, err: message }, 'restart rejected; the current run keeps training');
    candidate.reject(new RunStartError(message, location ?? undefined));
  }

  private supersede(candidate: Candidate, laterReason: string): void {
    if (candidate.timer) clearTimeout(candidate.timer);
    this.candidate = null;
    this.retire(candidate.trainer);
    this.log.info({ reason: candidate.reason, laterReason }, 'restart superseded by a later one');
    candidate.reject(new RestartSupersededError(`a later request (${laterReason}) replaced this restart before its run was ready`));
  }

  /** Stops a worker in the background; `stop()` waits for it. */
  private retire(trainer: TrainerThread): void {
    const stopping = trainer.stop().catch((error: unknown) => this.log.error({ err: error }, 'training worker failed to stop'));
    this.retiring.add(stopping);
    void stopping.finally(() => this.retiring.delete(stopping));
  }

  private timeoutMessage(): string {
    const seconds = this.candidateTimeoutMs / 1000;
    return `the new run was not ready after ${seconds} s (loading the dataset, building the model and one training step); try a smaller dataset or model`;
  }
}
