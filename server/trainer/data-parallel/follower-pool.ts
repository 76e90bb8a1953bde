// The follower threads of data-parallel training: starts them, hands each
// its share of a step, collects the replies and ends the threads. A follower
// that throws or exits fails the whole pool, which then ends the others, so
// that the training worker goes on alone instead of waiting for a thread
// that is gone.

import { Worker } from 'node:worker_threads';

import type { FollowerCommand, FollowerInit, FollowerReply } from './messages';

/** The module each follower thread runs. */
const FOLLOWER_ENTRY = new URL('./follower-entry.mjs', import.meta.url);

/** Time the followers get to load TensorFlow.js and start their backend. */
const START_TIMEOUT_MS = 60_000;

/** The part of a step that one follower computes. */
export interface FollowerShare {
  indices: Uint32Array;
  noisyInput: Float32Array | null;
  /** The share's rows divided by the batch's rows. */
  weight: number;
}

/** A follower's result for its share: the scaled loss, and its gradients in the shared buffer. */
export interface ShareResult {
  loss: number;
  gradients: Float32Array;
}

/** Start settings of every follower; the pool adds each one's gradient buffer. */
export type PoolInit = Omit<FollowerInit, 'gradients'>;

interface Follower {
  worker: Worker;
  gradients: Float32Array;
  numTensors: number;
}

interface PendingStep {
  step: number;
  results: (ShareResult | null)[];
  remaining: number;
  resolve: (results: (ShareResult | null)[]) => void;
  reject: (error: Error) => void;
}

export class FollowerPool {
  private readonly followers: Follower[] = [];
  private pending: PendingStep | null = null;
  private failureReason: string | null = null;
  private closing = false;
  private readonly exits: Promise<void>[] = [];
  private failureListener: (reason: string) => void = () => {};

  private constructor(
    count: number,
    init: PoolInit,
    gradientBytes: number,
    entry: URL,
  ) {
    for (let index = 1; index <= count; index++) {
      const gradients = new SharedArrayBuffer(gradientBytes);
      const worker = new Worker(entry, { workerData: { ...init, gradients } satisfies FollowerInit });
      this.followers.push({ worker, gradients: new Float32Array(gradients), numTensors: 0 });
      this.exits.push(new Promise((resolve) => worker.once('exit', () => resolve())));
      worker.on('error', (error) => this.fail(`follower thread ${index} failed: ${error.message}`));
      worker.on('exit', (code) => this.fail(`follower thread ${index} exited with code ${code}`));
    }
  }

  /**
   * Starts `count` followers and resolves once each has its backend running.
   * Rejects with the first failure, or after START_TIMEOUT_MS, having ended every follower.
   */
  static async start(count: number, init: PoolInit, gradientBytes: number, entry: URL = FOLLOWER_ENTRY): Promise<FollowerPool> {
    const pool = new FollowerPool(count, init, gradientBytes, entry);
    try {
      await pool.waitUntilReady();
      return pool;
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** Number of follower threads. */
  get size(): number {
    return this.followers.length;
  }

  /** True until a follower fails or the pool closes. */
  get running(): boolean {
    return this.failureReason === null && !this.closing;
  }

  /** Reason the pool failed, or null while every follower runs. */
  get failure(): string | null {
    return this.failureReason;
  }

  /** Sets the function called once when a follower fails, with the reason. */
  onFailure(listener: (reason: string) => void): void {
    this.failureListener = listener;
  }

  /**
   * Sends share i to follower i (null leaves it idle this step) and resolves
   * with the results in the same order. Rejects once any follower fails. The
   * caller writes the step's weights before calling, and reads the gradients
   * before the next call.
   */
  run(step: number, shares: (FollowerShare | null)[]): Promise<(ShareResult | null)[]> {
    if (this.failureReason) return Promise.reject(new Error(this.failureReason));
    if (this.pending) return Promise.reject(new Error(`step ${step} was sent while step ${this.pending.step} is still running on the followers`));

    return new Promise((resolve, reject) => {
      const remaining = shares.filter((share) => share !== null).length;
      this.pending = { step, results: shares.map(() => null), remaining, resolve, reject };
      if (remaining === 0) return this.settle((pending) => pending.resolve(pending.results));

      this.setReferenced(true);
      shares.forEach((share, i) => {
        if (!share) return;
        const command: FollowerCommand = { type: 'step', step, ...share };
        this.followers[i].worker.postMessage(command);
      });
    });
  }

  /** Returns each follower's tensor count after its latest step. */
  tensorCounts(): number[] {
    return this.followers.map((follower) => follower.numTensors);
  }

  /**
   * Records the first failure, rejects the running step, ends every follower
   * and calls the failure listener. Does nothing once the pool has failed or
   * is closing.
   */
  fail(reason: string): void {
    if (this.closing || this.failureReason) return;
    this.failureReason = reason;
    this.settle((pending) => pending.reject(new Error(reason)));
    this.followers.forEach((follower) => void follower.worker.terminate());
    this.failureListener(reason);
  }

  /** Ends every follower and resolves once all have exited. */
  async close(): Promise<void> {
    this.closing = true;
    this.settle((pending) => pending.reject(new Error('the follower threads were stopped')));
    this.followers.forEach((follower) => void follower.worker.terminate());
    await Promise.all(this.exits);
  }

  private waitUntilReady(): Promise<void> {
    this.setReferenced(true);
    const ready = this.followers.map(
      ({ worker }) =>
        new Promise<void>((resolve, reject) => {
          worker.once('message', (reply: FollowerReply) => (reply.type === 'ready' ? resolve() : reject(new Error(`a follower thread sent "${reply.type}" before "ready"`))));
          worker.once('exit', () => reject(new Error(this.failureReason ?? 'a follower thread exited before it was ready')));
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the follower threads did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    });

    return Promise.race([Promise.all(ready), timeout]).then(
      () => {
        clearTimeout(timer);
        this.followers.forEach((follower, i) => follower.worker.on('message', (reply: FollowerReply) => this.receive(i, reply)));
        this.setReferenced(false);
      },
      (error: Error) => {
        clearTimeout(timer);
        throw error;
      },
    );
  }

  private receive(index: number, reply: FollowerReply): void {
    const pending = this.pending;
    if (reply.type !== 'gradients' || !pending || reply.step !== pending.step) return;

    const follower = this.followers[index];
    follower.numTensors = reply.numTensors;
    pending.results[index] = { loss: reply.loss, gradients: follower.gradients };
    pending.remaining--;
    if (pending.remaining === 0) this.settle((settled) => settled.resolve(settled.results));
  }

  private settle(outcome: (pending: PendingStep) => void): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    this.setReferenced(false);
    outcome(pending);
  }

  /**
   * Lets the followers keep the thread's event loop alive only while it waits
   * for them, so that an idle pool never keeps a finished thread running. Node
   * ends a worker's followers with it.
   */
  private setReferenced(referenced: boolean): void {
    for (const { worker } of this.followers) {
      if (referenced) worker.ref();
      else worker.unref();
    }
  }
}
