// `npm run bench:gallery`: gallery throughput and broadcast latency against a
// real host on 127.0.0.1. The host trains the whole time, several processes
// submit as fast as they can with many viewer ids, one process votes, and one
// WebSocket viewer in this process times each accepted item from its POST to
// its broadcast. Every process stops by itself after `--seconds`.
//
//   npm run bench:gallery -- [--seconds 10] [--submitters 2] [--concurrency 32] [--voters 1]
//                            [--transport http|ws] [--viewers-per-process 500] [--training running|finished]
//
// With `--transport ws` each submitter process opens one socket per viewer id
// and sends at most one submission per 210 ms on each, below the hub's limit
// of 5 messages per second per socket. With `--training finished` the run
// ends after two epochs, before the load starts, so the host process's CPU
// time during the load is the gallery's alone.

import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { WebSocket } from 'ws';

import { decodeFrame, FrameType } from '../shared/protocol/frames';
import type { LoadCommand, LoadReport, StartMessage } from './gallery-load';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    submitters: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '32' },
    voters: { type: 'string', default: '1' },
    'viewers-per-process': { type: 'string', default: '500' },
    transport: { type: 'string', default: 'http' },
    training: { type: 'string', default: 'running' },
  },
});
const TRANSPORT = values.transport === 'ws' ? 'ws' : 'http';
const TRAINING = values.training === 'finished' ? 'finished' : 'running';
const SECONDS = Number(values.seconds);
const SUBMITTERS = Number(values.submitters);
const CONCURRENCY = Number(values.concurrency);
const VOTERS = Number(values.voters);
const VIEWERS_PER_PROCESS = Number(values['viewers-per-process']);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LOAD_ENTRY = fileURLToPath(new URL('./gallery-load.ts', import.meta.url));

// Limits far above the load, so the benchmark measures the gallery and not the
// token buckets. A long run keeps the trainer busy on the other core.
const HOST_FLAGS = [
  '--port', '0',
  '--shapes-count', '4000',
  '--epochs', TRAINING === 'finished' ? '2' : '100000',
  '--submit-limit', '1000000/1',
  '--submit-limit-per-ip', '1000000/1',
  '--vote-limit', '1000000/1',
  '--vote-limit-per-ip', '1000000/1',
  '--max-connections-per-ip', '100000',
  '--log-level', 'debug',
  '--log-format', 'json',
];

interface HostProcess {
  child: ChildProcess;
  url: string;
  /** Tensor counts the worker reported at each epoch end, with the wall-clock time they arrived. */
  tensorCounts: { time: number; numTensors: number }[];
}

const children = new Set<ChildProcess>();

/** Starts `server/main.ts` and resolves once it listens, reading its JSON log lines. */
async function startHost(stateDir: string): Promise<HostProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...HOST_FLAGS, '--state-dir', stateDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const tensorCounts: HostProcess['tensorCounts'] = [];

  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the host exited with code ${code} before it listened`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { msg?: string; url?: string; numTensors?: number };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg === 'host listening' && entry.url) resolve(entry.url);
      if (entry.msg === 'tensor count' && entry.numTensors !== undefined) tensorCounts.push({ time: Date.now(), numTensors: entry.numTensors });
    });
  });
  return { child, url, tensorCounts };
}

/**
 * Polls `/api/status` until the first epoch has ended, which is when decoder
 * weights exist, or with `--training finished` until the run has finished.
 */
async function waitForWeights(url: string): Promise<number> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const status = (await (await fetch(new URL('/api/status', url))).json()) as { epoch: number; latent: number; state: string };
    const ready = TRAINING === 'finished' ? status.state === 'finished' : status.epoch >= 1;
    if (ready) return status.latent;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the host had no finished epoch after 60 s');
}

/** Opens one gallery viewer that records when each item's broadcast arrives. */
async function openTimingViewer(url: string): Promise<{ arrivals: Map<number, number>; socket: WebSocket }> {
  const arrivals = new Map<number, number>();
  const socket = new WebSocket(`${url.replace('http', 'ws')}ws?topics=gallery`);
  socket.binaryType = 'arraybuffer';
  socket.on('message', (data: ArrayBuffer) => {
    // Date.now(), like the load processes, so that both sides read the same system clock.
    const arrivedAt = Date.now();
    const frame = decodeFrame(data);
    if (frame.type === FrameType.GalleryItems) frame.body.forEach((item) => arrivals.set(item.id, arrivedAt));
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { arrivals, socket };
}

/** Forks a load process and resolves once it has its cookies. */
async function forkLoad(command: LoadCommand): Promise<{ child: ChildProcess; report: Promise<LoadReport> }> {
  const child = fork(LOAD_ENTRY, [JSON.stringify(command)], { execArgv: ['--import', 'tsx'], cwd: ROOT });
  children.add(child);
  const report = new Promise<LoadReport>((resolve, reject) => {
    child.on('message', (message: { type: string; report?: LoadReport }) => {
      if (message.type === 'report' && message.report) resolve(message.report);
    });
    child.once('exit', (code) => reject(new Error(`a ${command.role} process exited with code ${code} before it reported`)));
  });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  return { child, report };
}

async function metricSample(url: string, sample: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const line = text.split('\n').find((each) => each.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

function mergeStatuses(reports: LoadReport[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const report of reports) {
    for (const [status, count] of Object.entries(report.statuses)) merged[status] = (merged[status] ?? 0) + count;
  }
  return merged;
}

async function main(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'latentcast-bench-gallery-'));
  const loadBefore = loadavg()[0];
  try {
    const host = await startHost(stateDir);
    const latentSize = await waitForWeights(host.url);
    const viewer = await openTimingViewer(host.url);

    const base = { url: host.url, viewers: VIEWERS_PER_PROCESS, concurrency: CONCURRENCY, latentSize };
    const loads = await Promise.all([
      ...Array.from({ length: SUBMITTERS }, () => forkLoad({ ...base, role: TRANSPORT === 'ws' ? 'submit-ws' : 'submit' })),
      ...Array.from({ length: VOTERS }, () => forkLoad({ ...base, role: 'vote', concurrency: Math.max(1, CONCURRENCY / 4) })),
    ]);

    const tensorsBefore = host.tensorCounts.at(-1)?.numTensors ?? NaN;
    const passesBefore = await metricSample(host.url, 'latentcast_gallery_decode_passes_total');
    const cpuBefore = await metricSample(host.url, 'process_cpu_seconds_total');
    const started = Date.now();
    const start: StartMessage = { deadline: started + SECONDS * 1000 };
    loads.forEach((load) => load.child.send(start));
    const reports = await Promise.all(loads.map((load) => load.report));
    const elapsed = (Date.now() - started) / 1000;
    const cpuSeconds = (await metricSample(host.url, 'process_cpu_seconds_total')) - cpuBefore;

    // Late broadcasts and the next epoch's tensor count arrive after the load stops.
    const countsAtStop = host.tensorCounts.length;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // With --training finished no epoch ends after the load, so the last count stands for both.
    const tensorsAfter = host.tensorCounts.length > countsAtStop || TRAINING === 'finished' ? host.tensorCounts.at(-1)!.numTensors : NaN;
    const passes = (await metricSample(host.url, 'latentcast_gallery_decode_passes_total')) - passesBefore;

    // Rates count what was sent before the deadline; closing hundreds of sockets afterwards takes a while.
    const submitReports = reports.filter((report) => report.role !== 'vote');
    const accepted = submitReports.flatMap((report) => report.accepted);
    const acceptedInWindow = accepted.filter(([, sentAt]) => sentAt <= start.deadline).length;
    const latencies = accepted.map(([id, sentAt]) => (viewer.arrivals.get(id) ?? NaN) - sentAt).filter(Number.isFinite).sort((a, b) => a - b);
    const missing = accepted.length - latencies.length;
    viewer.socket.close();

    console.log(JSON.stringify({
      machine: `${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}`,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg()[0],
      loadSeconds: SECONDS,
      secondsUntilReported: Number(elapsed.toFixed(2)),
      training: TRAINING,
      submitters:
        TRANSPORT === 'ws'
          ? `${SUBMITTERS} processes × ${VIEWERS_PER_PROCESS} WebSockets, one viewer id and one submission in flight each`
          : `${SUBMITTERS} processes × ${CONCURRENCY} HTTP requests in flight, ${VIEWERS_PER_PROCESS} viewer ids each`,
      acceptedPerSecond: Math.round(acceptedInWindow / SECONDS),
      accepted: accepted.length,
      submitStatuses: mergeStatuses(submitReports),
      votesPerSecond: Math.round(Object.values(mergeStatuses(reports.filter((report) => report.role === 'vote'))).reduce((sum, count) => sum + count, 0) / elapsed),
      voteStatuses: mergeStatuses(reports.filter((report) => report.role === 'vote')),
      failures: reports.reduce((sum, report) => sum + report.failures, 0),
      decodePasses: passes,
      meanBatch: Number((accepted.length / Math.max(1, passes)).toFixed(1)),
      hostCpuMsPerAccepted: TRAINING === 'finished' ? Number(((cpuSeconds * 1000) / Math.max(1, accepted.length)).toFixed(2)) : 'not measured while training',
      hostCpuSeconds: cpuSeconds,
      latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1), notBroadcast: missing },
      tensors: { before: tensorsBefore, after: tensorsAfter, note: 'the gallery decodes in plain TypeScript and creates no tensors; these are the trainer\'s' },
    }, (_key, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(2)) : value), 2));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all([...children].map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null)));
    await rm(stateDir, { recursive: true, force: true });
  }
}

await main();
