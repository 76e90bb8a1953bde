// The naive baseline of `bench/fanout.ts`: a broadcast server as it is often
// first written, forked as its own process so that its CPU and memory are
// measured alone. It trains nothing. It replays a loss stream at the step
// rate the real host reached and sends each loss point as its own JSON text
// message, stringified again for every socket, plus a reconstruction every
// `reconstructionEvery` steps as JSON arrays of floats. There is no
// batching, no shared encoding and no back-pressure check.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { WebSocket, WebSocketServer } from 'ws';

import { LatencyHistogram } from './fanout-messages';
import type { NaiveCommand, NaiveReply } from './fanout-messages';

/** Probe images per reconstruction, as the host's training loop uses. */
const PROBE_COUNT = 8;
const IMAGE_PIXELS = 28 * 28;
const TICK_MS = 5;
const BATCH_MS = 50;

interface Stream {
  stepsPerSecond: number;
  reconstructionEvery: number;
  maxRssBytes: number;
  startedAt: number;
  stepsSent: number;
}

const runStartedAt = Date.now();

const httpServer = createServer((_request, response) => response.writeHead(404).end());
const server = new WebSocketServer({ server: httpServer, path: '/ws' });
let stream: Stream | null = null;
let overloaded = false;

server.on('connection', (socket) => {
  socket.send(JSON.stringify({ type: 'hello', runStartedAt }));
});

/**
 * Sends every step that is due by now, so a late tick catches up the way a
 * queue of worker events would. It stops after BATCH_MS and continues on the
 * next tick, because a server fed by a worker also drains its queue in
 * batches between I/O, and the benchmark needs its IPC replies in time.
 */
function sendDueSteps(current: Stream): void {
  if (overloaded) return;
  const due = Math.floor(((Date.now() - current.startedAt) / 1000) * current.stepsPerSecond);
  const batchEnd = performance.now() + BATCH_MS;
  while (current.stepsSent < due) {
    if (performance.now() > batchEnd) return;

    const step = current.stepsSent + 1;
    // The time the step was due, not the time this loop reaches it: a loop that falls behind shows as latency.
    const producedAt = current.startedAt + (step * 1000) / current.stepsPerSecond;
    broadcast({ type: 'loss', step, loss: 0.2 + 0.1 / Math.sqrt(step), elapsedMs: Math.round(producedAt - runStartedAt) });
    if (step % current.reconstructionEvery === 0) broadcast(reconstruction(step));
    current.stepsSent = step;

    // A guard for the machine, not part of the naive design: without it an
    // overloaded run queues sends until memory runs out.
    if (process.memoryUsage.rss() > current.maxRssBytes) {
      overloaded = true;
      return;
    }
  }
}

function broadcast(message: object): void {
  for (const socket of server.clients) {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }
}

function reconstruction(step: number): object {
  const outputs = Array.from({ length: PROBE_COUNT }, () => Array.from(new Float32Array(IMAGE_PIXELS).map(() => Math.random())));
  return { type: 'reconstructions', step, outputs };
}

/**
 * Measures event-loop delay as a 10 ms timer's lateness, the method and
 * resolution behind prom-client's nodejs_eventloop_lag_p99_seconds on the
 * host. It uses a JavaScript timer rather than perf_hooks'
 * monitorEventLoopDelay, which in Node 20.20 recorded nothing after a reset
 * once this server was overloaded, so its p99 read as 0.
 */
class EventLoopSampler {
  private readonly resolutionMs = 10;
  private readonly delays = new LatencyHistogram();
  private expected = performance.now() + this.resolutionMs;

  constructor() {
    setInterval(() => {
      const now = performance.now();
      this.delays.record(now - this.expected);
      this.expected = now + this.resolutionMs;
    }, this.resolutionMs);
  }

  /** Returns the p99 since the previous call, counting the current tick's lateness so that a loop blocked all along still shows. */
  takeP99(): number {
    this.delays.record(performance.now() - this.expected);
    const p99 = this.delays.percentile(99);
    this.delays.reset();
    return p99;
  }
}

function reply(message: NaiveReply): void {
  process.send?.(message);
}

const eventLoopSampler = new EventLoopSampler();

process.on('message', (command: NaiveCommand) => {
  if (command.type === 'start') {
    const current: Stream = { ...command, startedAt: Date.now(), stepsSent: 0 };
    stream = current;
    setInterval(() => sendDueSteps(current), TICK_MS);
    return;
  }

  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  reply({
    type: 'sample',
    sample: {
      timeMs: Date.now(),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      eventLoopLagP99Ms: eventLoopSampler.takeP99(),
      step: stream?.stepsSent ?? 0,
      framesSkipped: 0,
      bytesSentByTopic: {},
      viewersDropped: 0,
      overloaded,
    },
  });
});

// The parent kills this process when it is done; if the parent dies first,
// the IPC channel closes and the server must not outlive it.
process.on('disconnect', () => process.exit(0));

httpServer.listen(0, '127.0.0.1', () => reply({ type: 'listening', port: (httpServer.address() as AddressInfo).port }));
