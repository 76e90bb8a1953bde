// Figures and the printed table of `bench/fanout.ts`: turns two server
// readings and the viewer processes' reports into per-phase figures, then
// prints latentcast against the naive baseline and against the goals.

import { cpus } from 'node:os';

import { LatencyHistogram } from './fanout-messages';
import type { ServerSample, ViewerReport } from './fanout-messages';
import type { ConnectResult } from './fanout-processes';
import type { StopResult } from './fanout-children';

/** A server's figures over one measured phase. */
export interface ServerFigures {
  seconds: number;
  /** CPU seconds per wall-clock second; 1.0 is one core busy all the time. */
  cpuCores: number;
  /** At the end of the phase. */
  rssBytes: number;
  heapUsedBytes: number;
  eventLoopLagP99Ms: number;
  stepsPerSecond: number;
  framesSkipped: number;
  /** Bytes queued to viewers during the phase, by topic, as the server counted them. */
  bytesSentByTopic: Record<string, number>;
  viewersDropped: number;
  overloaded: boolean;
  /** CPU of every process on the machine, this server included, in cores. */
  machineCpuCores: number;
}

/** A server's counters and the machine's CPU time, read at the same moment. */
export interface Reading {
  server: ServerSample;
  machineCpuSeconds: number;
}

/** Figures of the simulated viewers over one phase, all viewer processes together. */
export interface ViewerFigures {
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencySamples: number;
  bytesPerViewerPerSecond: number;
  messagesPerViewerPerSecond: number;
  openAtEnd: number;
  closes: number;
  missingPoints: number;
  decodeErrors: number;
  /** CPU of all viewer processes together, in cores. */
  cpuCores: number;
  failureSamples: string[];
}

/** One server measured without viewers, then with them. */
export interface SystemResult {
  idle: ServerFigures;
  loaded: ServerFigures;
  viewers: ViewerFigures;
  connect: ConnectResult;
  /** Outcome of SIGTERM with the viewers still connected, for the server whose shutdown was measured. */
  shutdown?: StopResult;
}

export interface RunDescription {
  viewers: number;
  durationSeconds: number;
  viewerProcesses: number;
  /** Step rate the naive server was asked to replay: latentcast's rate with viewers. */
  naiveStepsPerSecond: number;
}

// Goals for a 2-core machine on which the simulated viewers share the cores
// with the host. The latency goal is set for 5,000 viewers and the
// throughput goal for 1,000; every run prints all four.
const GOALS = {
  latencyP99Ms: 250,
  throughputShare: 0.95,
  bytesPerViewerPerSecond: 10_000,
  memoryPerViewerBytes: 30_000,
};

export async function takeReading(sample: () => Promise<ServerSample>): Promise<Reading> {
  const server = await sample();
  return { server, machineCpuSeconds: machineCpuSeconds() };
}

/** Returns the CPU time that every core of the machine spent busy since boot, in seconds. */
function machineCpuSeconds(): number {
  const milliseconds = cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
  return milliseconds / 1000;
}

export function serverFigures(startReading: Reading, endReading: Reading): ServerFigures {
  const start = startReading.server;
  const end = endReading.server;
  const seconds = (end.timeMs - start.timeMs) / 1000;
  return {
    seconds,
    cpuCores: (end.cpuSeconds - start.cpuSeconds) / seconds,
    rssBytes: end.rssBytes,
    heapUsedBytes: end.heapUsedBytes,
    eventLoopLagP99Ms: end.eventLoopLagP99Ms,
    stepsPerSecond: (end.step - start.step) / seconds,
    framesSkipped: end.framesSkipped - start.framesSkipped,
    bytesSentByTopic: Object.fromEntries(
      Object.entries(end.bytesSentByTopic).map(([topic, bytes]) => [topic, bytes - (start.bytesSentByTopic[topic] ?? 0)]),
    ),
    viewersDropped: end.viewersDropped - start.viewersDropped,
    overloaded: end.overloaded,
    machineCpuCores: (endReading.machineCpuSeconds - startReading.machineCpuSeconds) / seconds,
  };
}

/** Merges the viewer processes' reports; rates are per connected viewer. */
export function viewerFigures(reports: ViewerReport[], connected: number): ViewerFigures {
  const latency = new LatencyHistogram();
  reports.forEach((report) => latency.addPairs(report.latency));
  const seconds = Math.max(...reports.map((report) => report.windowMs)) / 1000;
  const total = (pick: (report: ViewerReport) => number) => reports.reduce((sum, report) => sum + pick(report), 0);
  const perViewerPerSecond = (value: number) => (connected > 0 ? value / connected / seconds : NaN);

  return {
    latencyP50Ms: latency.percentile(50),
    latencyP99Ms: latency.percentile(99),
    latencySamples: latency.total,
    bytesPerViewerPerSecond: perViewerPerSecond(total((report) => report.bytes)),
    messagesPerViewerPerSecond: perViewerPerSecond(total((report) => report.messages)),
    openAtEnd: total((report) => report.open),
    closes: total((report) => report.closes),
    missingPoints: total((report) => report.missingPoints),
    decodeErrors: total((report) => report.decodeErrors),
    cpuCores: total((report) => report.cpuMs) / 1000 / seconds,
    failureSamples: reports.flatMap((report) => report.failureSamples).slice(0, 5),
  };
}

/** Prints the comparison table, the ratios and the goals; `naive` is null when the baseline was skipped. */
export function printReport(run: RunDescription, real: SystemResult, naive: SystemResult | null): void {
  const viewerCount = run.viewers;
  const rows: Array<[string, (result: SystemResult) => string]> = [
    ['viewers connected / requested', (r) => `${count(r.connect.open)} / ${count(viewerCount)}`],
    ['connection failures', (r) => count(r.connect.failures)],
    ['handshakes not started in the ramp', (r) => count(r.connect.notStarted)],
    ['seconds to connect all viewers', (r) => r.connect.seconds.toFixed(1)],
    ['delivery latency p50', (r) => latency(r.viewers.latencyP50Ms)],
    ['delivery latency p99', (r) => latency(r.viewers.latencyP99Ms)],
    ['loss points timed', (r) => count(r.viewers.latencySamples)],
    ['bytes per viewer per second', (r) => `${count(r.viewers.bytesPerViewerPerSecond)} B/s`],
    ['bytes per viewer per training step', (r) => `${count(bytesPerStep(r))} B`],
    ['messages per viewer per second', (r) => r.viewers.messagesPerViewerPerSecond.toFixed(1)],
    ['server CPU, 0 viewers', (r) => cores(r.idle.cpuCores)],
    [`server CPU, ${count(viewerCount)} viewers`, (r) => cores(r.loaded.cpuCores)],
    ['server CPU for fan-out (difference)', (r) => cores(r.loaded.cpuCores - r.idle.cpuCores)],
    ['server RSS, 0 viewers', (r) => megabytes(r.idle.rssBytes)],
    [`server RSS, ${count(viewerCount)} viewers`, (r) => megabytes(r.loaded.rssBytes)],
    ['server RSS per viewer', (r) => kilobytes(rssPerViewer(r))],
    ['server JS heap per viewer', (r) => kilobytes((r.loaded.heapUsedBytes - r.idle.heapUsedBytes) / r.connect.open)],
    ['event-loop lag p99, 0 viewers', (r) => milliseconds(r.idle.eventLoopLagP99Ms)],
    [`event-loop lag p99, ${count(viewerCount)} viewers`, (r) => milliseconds(r.loaded.eventLoopLagP99Ms)],
    ['steps per second, 0 viewers', (r) => r.idle.stepsPerSecond.toFixed(1)],
    [`steps per second, ${count(viewerCount)} viewers`, (r) => `${r.loaded.stepsPerSecond.toFixed(1)} (${percent(throughputShare(r))})`],
    ['frames skipped (soft buffer limit)', (r) => count(r.loaded.framesSkipped)],
    ['viewers dropped by the server', (r) => count(r.loaded.viewersDropped)],
    ['sockets closed while measuring', (r) => count(r.viewers.closes)],
    ['loss points missing', (r) => count(r.viewers.missingPoints)],
    ['messages that did not decode', (r) => count(r.viewers.decodeErrors)],
    ['viewer processes CPU', (r) => cores(r.viewers.cpuCores)],
    // The whole machine's CPU shows how much else ran, such as other
    // programs, that the phases had to share the cores with.
    ['machine CPU (all processes), 0 viewers', (r) => cores(r.idle.machineCpuCores)],
    [`machine CPU (all processes), ${count(viewerCount)} viewers`, (r) => cores(r.loaded.machineCpuCores)],
  ];

  console.log(`\nFan-out with ${count(viewerCount)} viewers in ${run.viewerProcesses} processes, ${run.durationSeconds} s per measured phase`);
  printTable(
    ['', 'latentcast', naive ? 'naive JSON' : ''],
    rows.map(([label, format]) => [label, format(real), naive ? format(naive) : '']),
  );

  printBytesByTopic(real);
  if (real.shutdown) printShutdown(real.shutdown, viewerCount);
  if (naive) printRatios(run, real, naive);
  printGoals(real, viewerCount);
  printProblems('latentcast', real);
  if (naive) printProblems('naive', naive);
}

/** Prints the host's own count of bytes per viewer per second for each topic, which shows what the total is made of. */
function printBytesByTopic(real: SystemResult): void {
  const perViewerPerSecond = (bytes: number) => bytes / real.connect.open / real.loaded.seconds;
  const topics = Object.entries(real.loaded.bytesSentByTopic).filter(([, bytes]) => bytes > 0);
  if (topics.length === 0) return;
  const parts = topics.map(([topic, bytes]) => `${topic} ${count(perViewerPerSecond(bytes))}`);
  console.log(`\nlatentcast bytes per viewer per second by topic, as the host counted them: ${parts.join(', ')}`);
}

function printShutdown(shutdown: StopResult, viewerCount: number): void {
  const outcome = shutdown.killed
    ? `ignored SIGTERM for ${shutdown.seconds.toFixed(1)} s and was killed`
    : `exited with code ${shutdown.exitCode} ${shutdown.seconds.toFixed(1)} s after SIGTERM`;
  console.log(`\nThe latentcast host ${outcome}, with ${count(viewerCount)} viewers still connected.`);
}

function printRatios(run: RunDescription, real: SystemResult, naive: SystemResult): void {
  const realFanOut = real.loaded.cpuCores - real.idle.cpuCores;
  const naiveFanOut = naive.loaded.cpuCores - naive.idle.cpuCores;
  console.log('\nlatentcast / naive:');
  console.log(`  bytes per viewer per second  ${ratio(real.viewers.bytesPerViewerPerSecond, naive.viewers.bytesPerViewerPerSecond)}`);
  console.log(`  bytes per viewer per step    ${ratio(bytesPerStep(real), bytesPerStep(naive))}`);
  console.log(`  server CPU for fan-out       ${ratio(realFanOut, naiveFanOut)}`);
  console.log(`  server CPU in total          ${ratio(real.loaded.cpuCores, naive.loaded.cpuCores)}`);
  console.log(`  server RSS per viewer        ${ratio(rssPerViewer(real), rssPerViewer(naive))}`);
  console.log(`  delivery latency p99         ${ratio(real.viewers.latencyP99Ms, naive.viewers.latencyP99Ms)}`);
  console.log(
    `The naive server trains nothing: its CPU is fan-out alone, while latentcast's total includes the training\n` +
      `worker. It was to replay ${run.naiveStepsPerSecond.toFixed(1)} steps/s, the rate latentcast reached with viewers, ` +
      `and sent ${naive.loaded.stepsPerSecond.toFixed(1)} steps/s with them.\nIt sends no status, weights, latent maps or gallery frames.` +
      (naive.loaded.overloaded ? '\nThe naive server passed its RSS limit and stopped sending part way through: its figures are a lower bound of its cost.' : ''),
  );
}

function printGoals(real: SystemResult, viewerCount: number): void {
  const lines: Array<[string, boolean, string]> = [
    ['delivery latency p99 below 250 ms (goal set for 5,000 viewers)', real.viewers.latencyP99Ms < GOALS.latencyP99Ms, milliseconds(real.viewers.latencyP99Ms)],
    [
      'steps per second at least 95% of 0 viewers (goal set for 1,000 viewers)',
      throughputShare(real) >= GOALS.throughputShare,
      percent(throughputShare(real)),
    ],
    [
      'below 10 kB/s per viewer',
      real.viewers.bytesPerViewerPerSecond < GOALS.bytesPerViewerPerSecond,
      `${count(real.viewers.bytesPerViewerPerSecond)} B/s`,
    ],
    ['below 30 kB of server RSS per viewer', rssPerViewer(real) < GOALS.memoryPerViewerBytes, kilobytes(rssPerViewer(real))],
  ];
  console.log(`\nGoals for latentcast with ${count(viewerCount)} viewers:`);
  for (const [goal, met, value] of lines) console.log(`  ${met ? 'met   ' : 'missed'}  ${goal}: ${value}`);
}

function printProblems(name: string, result: SystemResult): void {
  const samples = [...result.connect.failureSamples, ...result.viewers.failureSamples];
  if (samples.length === 0) return;
  console.log(`\nFirst problems the ${name} viewers reported:`);
  samples.slice(0, 5).forEach((sample) => console.log(`  ${sample}`));
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
  const format = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  console.log(format(header).trimEnd());
  for (const row of rows) console.log(format(row).trimEnd());
}

/** Divides by the viewers that connected, which is fewer than requested when handshakes failed. */
function rssPerViewer(result: SystemResult): number {
  return (result.loaded.rssBytes - result.idle.rssBytes) / result.connect.open;
}

// Bytes per step compare the two servers when the naive one falls behind
// its replay rate and so sends fewer steps, and fewer bytes, per second.
function bytesPerStep(result: SystemResult): number {
  return result.viewers.bytesPerViewerPerSecond / result.loaded.stepsPerSecond;
}

function throughputShare(result: SystemResult): number {
  return result.loaded.stepsPerSecond / result.idle.stepsPerSecond;
}

function ratio(real: number, naive: number): string {
  if (!Number.isFinite(real) || !Number.isFinite(naive) || naive === 0) return 'n/a';
  return `${(real / naive).toPrecision(2)}x`;
}

function count(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

/** Formats a histogram percentile, whose last bucket contains every latency from one minute up. */
function latency(value: number): string {
  return value >= LatencyHistogram.MAX_MS ? `>= ${milliseconds(value)}` : milliseconds(value);
}

function milliseconds(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value).toLocaleString('en-US')} ms` : 'n/a';
}

function cores(value: number): string {
  return `${value.toFixed(2)} cores`;
}

function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : 'n/a';
}

function megabytes(value: number): string {
  return `${(value / 1e6).toFixed(1)} MB`;
}

function kilobytes(value: number): string {
  return Number.isFinite(value) ? `${(value / 1000).toFixed(1)} kB` : 'n/a';
}
