// The latentcast host under test in `bench/fanout.ts`: `server/main.ts` in
// a child process on 127.0.0.1, read through its JSON log, `/api/status`
// and `/metrics` like any operator would.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { HostStatus } from '../shared/training';
import { cleanUpAfterStop, stopChild, trackChild } from './fanout-children';
import type { StopResult } from './fanout-children';
import type { ServerSample } from './fanout-messages';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const STARTUP_TIMEOUT_MS = 120_000;
/** pino's level number for `warn`. */
const PINO_WARN = 40;
const MAX_LOG_SAMPLES = 10;

export interface RealHost {
  /** Base URL such as http://127.0.0.1:40123/. */
  url: string;
  /** Warnings and errors the host logged, the first few of them. */
  logProblems: string[];
  sample(): Promise<ServerSample>;
  /** Sends SIGTERM, waits for the exit (SIGKILL after 10 s) and removes the state folder. */
  stop(): Promise<StopResult>;
}

/**
 * Starts the host with the default run (generated shapes, 784-8-784) and
 * resolves once it is training. `--epochs` is raised because the default 50
 * epochs of shapes end within about a minute, before the benchmark does, and
 * a finished run broadcasts no more losses.
 */
export async function startRealHost(): Promise<RealHost> {
  const stateDir = await mkdtemp(join(tmpdir(), 'latentcast-fanout-'));
  const removeStateDir = () => rm(stateDir, { recursive: true, force: true });
  cleanUpAfterStop(removeStateDir);
  const args = [
    ...['--import', 'tsx', 'server/main.ts'],
    ...['--host', '127.0.0.1', '--port', '0', '--log-format', 'json'],
    ...['--max-connections-per-ip', '100000', '--epochs', '1000000', '--state-dir', stateDir],
  ];
  const child = trackChild(spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  const logProblems: string[] = [];
  const stderrTail: string[] = [];

  const stop = async () => {
    const result = await stopChild(child);
    await removeStateDir();
    return result;
  };
  try {
    const url = await readLog(child, logProblems, stderrTail);
    await waitForTraining(url, child, stderrTail);
    return { url, logProblems, sample: () => sampleHost(url), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resolves with the URL from the "host listening" line; keeps reading warnings and errors after that. */
function readLog(child: ChildProcess, logProblems: string[], stderrTail: string[]): Promise<string> {
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
  });

  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      reject(new Error(`the host exited with ${signal ?? `code ${code}`} before listening:\n${stderrTail.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let record: { level?: number; msg?: string; url?: string };
      try {
        record = JSON.parse(line);
      } catch {
        return;
      }
      if (record.msg === 'host listening' && record.url) resolve(record.url);
      if ((record.level ?? 0) >= PINO_WARN && logProblems.length < MAX_LOG_SAMPLES) logProblems.push(line);
    });
  });
}

async function waitForTraining(url: string, child: ChildProcess, stderrTail: string[]): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the host exited with code ${child.exitCode} while loading:\n${stderrTail.join('\n')}`);
    const status = (await (await fetch(`${url}api/status`)).json()) as HostStatus;
    if (status.state === 'training') return;
    if (status.state !== 'starting') throw new Error(`the host is ${status.state} instead of training: ${status.stateReason}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the host was not training ${STARTUP_TIMEOUT_MS / 1000} s after it started listening at ${url}`);
}

/** Reads /metrics and /api/status; reading /metrics also restarts prom-client's event-loop lag histogram. */
async function sampleHost(url: string): Promise<ServerSample> {
  const [metricsText, status] = await Promise.all([
    fetch(`${url}metrics`).then((response) => response.text()),
    fetch(`${url}api/status`).then((response) => response.json() as Promise<HostStatus>),
  ]);
  return {
    timeMs: Date.now(),
    cpuSeconds: metricSum(metricsText, 'process_cpu_seconds_total'),
    rssBytes: metricSum(metricsText, 'process_resident_memory_bytes'),
    heapUsedBytes: metricSum(metricsText, 'nodejs_heap_size_used_bytes'),
    eventLoopLagP99Ms: eventLoopLagP99Ms(metricsText),
    step: status.step,
    framesSkipped: metricSum(metricsText, 'latentcast_frames_skipped_total'),
    bytesSentByTopic: metricByLabel(metricsText, 'latentcast_bytes_sent_total', 'topic'),
    viewersDropped: metricSum(metricsText, 'latentcast_clients_terminated_total'),
    overloaded: false,
  };
}

/**
 * Returns prom-client's event-loop lag p99 in milliseconds, or NaN when its
 * histogram recorded nothing since the previous scrape (a max of 0). Node
 * 20.20's monitorEventLoopDelay did that in an overloaded process here, and
 * the p99 of the empty histogram would read as no lag at all.
 */
function eventLoopLagP99Ms(metricsText: string): number {
  if (metricSum(metricsText, 'nodejs_eventloop_lag_max_seconds') === 0) return NaN;
  return metricSum(metricsText, 'nodejs_eventloop_lag_p99_seconds') * 1000;
}

/** Returns each series of one metric keyed by the value of `label`, such as {loss: 1234, status: 567}. */
function metricByLabel(text: string, name: string, label: string): Record<string, number> {
  const values: Record<string, number> = {};
  const pattern = new RegExp(`^${name}\\{[^}]*${label}="([^"]*)"[^}]*\\} (\\S+)$`);
  for (const line of text.split('\n')) {
    const match = pattern.exec(line);
    if (match) values[match[1]] = (values[match[1]] ?? 0) + Number(match[2]);
  }
  return values;
}

/** Adds up every series of one metric in Prometheus text format, whatever its labels. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const next = line[name.length];
    if (next !== ' ' && next !== '{') continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
