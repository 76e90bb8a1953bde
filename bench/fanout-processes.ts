// Parent-side handles for the processes that `bench/fanout.ts` forks: the
// viewer fleets and the naive baseline server.

import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { NaiveCommand, NaiveReply, ServerSample, ViewerCommand, ViewerProtocol, ViewerReply, ViewerReport } from './fanout-messages';
import { stopChild, trackChild } from './fanout-children';

const VIEWERS_ENTRY = fileURLToPath(new URL('./fanout-viewers.ts', import.meta.url));
const NAIVE_ENTRY = fileURLToPath(new URL('./fanout-naive-server.ts', import.meta.url));
const REPLY_TIMEOUT_MS = 30_000;
/** Time after the ramp deadline for the last handshakes, which time out after 15 s in the viewers. */
const HANDSHAKE_ALLOWANCE_MS = 30_000;

export interface ConnectResult {
  open: number;
  failures: number;
  /** Handshakes not started because the connection deadline had passed. */
  notStarted: number;
  failureSamples: string[];
  seconds: number;
}

/** Viewer sockets spread over several forked processes. */
export class ViewerFleets {
  private constructor(private readonly processes: ChildProcess[]) {}

  /**
   * Forks `processCount` viewer processes and opens `viewers` sockets in
   * total, as evenly as possible. Resolves when every handshake started
   * before `rampMs` has finished or failed.
   */
  static async connect(
    url: string,
    viewers: number,
    processCount: number,
    protocol: ViewerProtocol,
    concurrency: number,
    rampMs: number,
  ): Promise<{ fleets: ViewerFleets; result: ConnectResult }> {
    const started = Date.now();
    const deadline = started + rampMs;
    const processes = Array.from({ length: Math.min(processCount, viewers) }, () => forkTracked(VIEWERS_ENTRY));
    const fleets = new ViewerFleets(processes);
    const replies = await Promise.all(
      processes.map((child, index) => {
        const count = Math.floor(viewers / processes.length) + (index < viewers % processes.length ? 1 : 0);
        const command: ViewerCommand = { type: 'connect', url, count, protocol, concurrency, deadline };
        return request<ViewerReply & { type: 'connected' }>(child, command, 'connected', rampMs + HANDSHAKE_ALLOWANCE_MS);
      }),
    );
    const result: ConnectResult = {
      open: sum(replies.map((reply) => reply.open)),
      failures: sum(replies.map((reply) => reply.failures)),
      notStarted: sum(replies.map((reply) => reply.notStarted)),
      failureSamples: replies.flatMap((reply) => reply.failureSamples).slice(0, 5),
      seconds: (Date.now() - started) / 1000,
    };
    return { fleets, result };
  }

  startWindow(): void {
    for (const child of this.processes) send(child, { type: 'measure' });
  }

  async endWindow(): Promise<ViewerReport[]> {
    const replies = await Promise.all(
      this.processes.map((child) => request<ViewerReply & { type: 'report' }>(child, { type: 'report' }, 'report', REPLY_TIMEOUT_MS)),
    );
    return replies.map((reply) => reply.report);
  }

  /** Kills the viewer processes; the kernel closes their sockets. */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((child) => stopChild(child)));
  }
}

/** The naive baseline server in its own process. */
export class NaiveServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<NaiveServer> {
    const child = forkTracked(NAIVE_ENTRY);
    const { port } = await nextReply<NaiveReply & { type: 'listening' }>(child, 'listening', REPLY_TIMEOUT_MS);
    return new NaiveServer(child, `ws://127.0.0.1:${port}/ws`);
  }

  startStream(stepsPerSecond: number, reconstructionEvery: number, maxRssBytes: number): void {
    send(this.child, { type: 'start', stepsPerSecond, reconstructionEvery, maxRssBytes });
  }

  async sample(): Promise<ServerSample> {
    const reply = await request<NaiveReply & { type: 'sample' }>(this.child, { type: 'sample' }, 'sample', REPLY_TIMEOUT_MS);
    return reply.sample;
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
  }
}

function forkTracked(entry: string): ChildProcess {
  return trackChild(fork(entry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
}

function send(child: ChildProcess, command: ViewerCommand | NaiveCommand): void {
  child.send(command);
}

function request<T>(child: ChildProcess, command: ViewerCommand | NaiveCommand, replyType: string, timeoutMs: number): Promise<T> {
  const reply = nextReply<T>(child, replyType, timeoutMs);
  send(child, command);
  return reply;
}

/** Waits for the child's next IPC message of `replyType`; rejects if it exits or stays silent for `timeoutMs`. */
function nextReply<T>(child: ChildProcess, replyType: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: { type: string }) => {
      if (message.type !== replyType) return;
      cleanup();
      resolve(message as T);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`child process ${child.pid} exited with ${signal ?? `code ${code}`} while the benchmark waited for "${replyType}"`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`child process ${child.pid} sent no "${replyType}" within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
