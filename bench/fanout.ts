// Fan-out benchmark: how many live viewers one host serves on this machine,
// and what each costs, against a naive JSON broadcaster with the same
// viewers.
//
//   npm run bench:fanout -- --viewers 1000 --duration 20
//
// Both servers, the simulated viewers and this script run on 127.0.0.1 and
// share the machine's cores, so every figure includes the viewers' own load.
// Everything stops by itself: the host gets SIGTERM and every forked process
// is ended after its phase, on an error, on Ctrl+C or at an overall deadline.

import { execFileSync } from 'node:child_process';
import { constants, cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';

import { TOPICS } from '../shared/protocol/topics';
import { stopAllChildren } from './fanout-children';
import type { StopResult } from './fanout-children';
import { NaiveServer, ViewerFleets } from './fanout-processes';
import type { ConnectResult } from './fanout-processes';
import { startRealHost } from './fanout-real-host';
import type { RealHost } from './fanout-real-host';
import { printReport, serverFigures, takeReading, viewerFigures } from './fanout-report';
import type { ServerFigures, SystemResult } from './fanout-report';
import type { ServerSample, ViewerProtocol } from './fanout-messages';

interface FlagSpec {
  type: 'string' | 'boolean';
  value?: string;
  help: string;
  default?: string;
}

const FLAGS: Record<string, FlagSpec> = {
  viewers: { type: 'string', value: 'N', help: 'simulated viewers, each a WebSocket subscribed to every topic', default: '1000' },
  duration: { type: 'string', value: 'SECONDS', help: 'length of each measured phase', default: '20' },
  warmup: {
    type: 'string',
    value: 'SECONDS',
    help: 'training time before the first measurement, while the WASM kernels and the step rate settle',
    default: '10',
  },
  'viewer-processes': { type: 'string', value: 'N', help: 'processes the viewers are spread over', default: '2' },
  'connect-concurrency': { type: 'string', value: 'N', help: 'WebSocket handshakes in flight per viewer process', default: '64' },
  'naive-max-rss': {
    type: 'string',
    value: 'MB',
    help: 'RSS at which the naive server stops sending, so that an overloaded baseline cannot exhaust memory',
    default: '4096',
  },
  'skip-naive': { type: 'boolean', help: 'measure latentcast only, without the naive baseline' },
  help: { type: 'boolean', help: 'print this help and exit' },
};

interface BenchOptions {
  viewers: number;
  durationMs: number;
  warmupMs: number;
  viewerProcesses: number;
  connectConcurrency: number;
  naiveMaxRssBytes: number;
  skipNaive: boolean;
}

/** Steps between two reconstructions in the host's default run (its --recon-every), replayed by the naive server. */
const RECONSTRUCTION_EVERY = 100;
/** Pause between the last handshake and the measurement, so that the joiners' history snapshots are not counted. */
const SETTLE_MS = 3_000;
/** Zero-viewer phase of the naive server: it trains nothing, so a short one shows its idle cost. */
const NAIVE_IDLE_MS = 3_000;
/** Time to start every viewer's handshake; viewers not started by then are reported, not waited for. */
const CONNECT_RAMP_MS = 120_000;
/** Host start-up, two connection ramps and replies, on top of the measured phases. */
const DEADLINE_MARGIN_MS = 8 * 60_000;

class UsageError extends Error {}

function parseOptions(argv: string[]): BenchOptions | 'help' {
  const specs = Object.fromEntries(Object.entries(FLAGS).map(([name, spec]) => [name, { type: spec.type }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: specs, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run \`npm run bench:fanout -- --help\` for the list of flags.`);
  }
  if (values.help) return 'help';

  const integer = (name: string, min: number, max: number): number => {
    const text = typeof values[name] === 'string' ? (values[name] as string) : (FLAGS[name].default ?? '');
    const number = Number(text);
    if (text.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
      throw new UsageError(`--${name} "${text}" is not valid. Use a whole number from ${min} to ${max}.`);
    }
    return number;
  };

  return {
    viewers: integer('viewers', 1, 100_000),
    durationMs: integer('duration', 1, 3600) * 1000,
    warmupMs: integer('warmup', 0, 600) * 1000,
    viewerProcesses: integer('viewer-processes', 1, 64),
    connectConcurrency: integer('connect-concurrency', 1, 10_000),
    naiveMaxRssBytes: integer('naive-max-rss', 64, 1_000_000) * 1e6,
    skipNaive: values['skip-naive'] === true,
  };
}

function helpText(): string {
  const rows = Object.entries(FLAGS).map(([name, spec]) => {
    const left = `  --${name}${spec.value ? ` ${spec.value}` : ''}`;
    const fallback = spec.default === undefined ? '' : ` (default: ${spec.default})`;
    return `${left.padEnd(30)} ${spec.help}${fallback}`;
  });
  return [
    'Usage: npm run bench:fanout -- [flags]',
    '',
    'Starts a latentcast host on 127.0.0.1, measures it with no viewers, then with',
    'N simulated viewers, then measures a naive JSON broadcaster with the same viewers.',
    '',
    'Flags:',
    ...rows,
  ].join('\n');
}

/**
 * Measures latentcast on one host: first with no viewers, then with all of
 * them, in the same run. One host, rather than a fresh one per phase, keeps
 * the dataset, the model and the WASM warm-up identical. The two step rates
 * then differ by the viewers and by whatever else the machine runs meanwhile,
 * which the load average printed at the start hints at.
 */
async function measureRealHost(options: BenchOptions): Promise<SystemResult> {
  console.log('starting the latentcast host');
  const host = await startRealHost();
  try {
    console.log(`host training at ${host.url}; warming up for ${options.warmupMs / 1000} s`);
    await sleep(options.warmupMs);

    console.log(`measuring with 0 viewers for ${options.durationMs / 1000} s`);
    const idle = await measureIdle(() => host.sample(), options.durationMs);

    // The host is stopped while the viewers are still connected, because
    // that is the shutdown a streamer runs into, and the one more likely to hang.
    const wsUrl = `${host.url.replace('http', 'ws')}ws?topics=${TOPICS.join(',')}`;
    let shutdown: StopResult | undefined;
    const loaded = await measureWithViewers(() => host.sample(), wsUrl, 'binary', options, async () => {
      shutdown = await host.stop();
    });
    reportHostLog(host);
    return { idle, ...loaded, shutdown };
  } finally {
    await host.stop();
  }
}

/** Measures the naive server with the same viewers, replaying `stepsPerSecond`. */
async function measureNaiveServer(options: BenchOptions, stepsPerSecond: number): Promise<SystemResult> {
  console.log(`\nstarting the naive server at ${stepsPerSecond.toFixed(1)} steps/s`);
  const server = await NaiveServer.start();
  try {
    server.startStream(stepsPerSecond, RECONSTRUCTION_EVERY, options.naiveMaxRssBytes);
    const idle = await measureIdle(() => server.sample(), NAIVE_IDLE_MS);
    const loaded = await measureWithViewers(() => server.sample(), server.url, 'json', options);
    return { idle, ...loaded };
  } finally {
    await server.stop();
  }
}

/** Runs the naive phase; a failure there is reported and leaves latentcast's figures standing. */
async function measureNaiveOrReport(options: BenchOptions, stepsPerSecond: number): Promise<SystemResult | null> {
  try {
    return await measureNaiveServer(options, stepsPerSecond);
  } catch (error) {
    console.log(`the naive baseline failed, so only latentcast is reported: ${(error as Error).message}`);
    return null;
  }
}

async function measureIdle(sample: () => Promise<ServerSample>, durationMs: number): Promise<ServerFigures> {
  const start = await takeReading(sample);
  await sleep(durationMs);
  return serverFigures(start, await takeReading(sample));
}

/** Connects the viewers, lets the join burst pass, measures one phase and disconnects them. */
async function measureWithViewers(
  sample: () => Promise<ServerSample>,
  url: string,
  protocol: ViewerProtocol,
  options: BenchOptions,
  whileConnected: () => Promise<void> = async () => {},
): Promise<Omit<SystemResult, 'idle'>> {
  console.log(`connecting ${options.viewers} viewers from ${options.viewerProcesses} processes`);
  const { fleets, result: connect } = await ViewerFleets.connect(
    url,
    options.viewers,
    options.viewerProcesses,
    protocol,
    options.connectConcurrency,
    CONNECT_RAMP_MS,
  );
  try {
    reportConnect(connect);
    await sleep(SETTLE_MS);

    console.log(`measuring with ${connect.open} viewers for ${options.durationMs / 1000} s`);
    const start = await takeReading(sample);
    fleets.startWindow();
    await sleep(options.durationMs);
    const reports = await fleets.endWindow();
    const end = await takeReading(sample);
    await whileConnected();
    return { loaded: serverFigures(start, end), viewers: viewerFigures(reports, connect.open), connect };
  } finally {
    await fleets.stop();
  }
}

function reportConnect(connect: ConnectResult): void {
  const notStarted = connect.notStarted > 0 ? `, ${connect.notStarted} not started within ${CONNECT_RAMP_MS / 1000} s` : '';
  console.log(`${connect.open} viewers connected in ${connect.seconds.toFixed(1)} s, ${connect.failures} failed${notStarted}`);
  connect.failureSamples.forEach((sample) => console.log(`  ${sample}`));
}

function reportHostLog(host: RealHost): void {
  if (host.logProblems.length === 0) return;
  console.log('the host logged these warnings or errors:');
  host.logProblems.forEach((line) => console.log(`  ${line}`));
}

/** Prints what makes the numbers comparable: cores, memory, Node and the load before the run. */
function printMachine(): void {
  const [load1, load5] = loadavg();
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ` +
      `load average ${load1.toFixed(2)} (1 min), ${load5.toFixed(2)} (5 min)`,
  );
}

/**
 * Warns when the host would run out of file descriptors, because it uses one
 * per viewer. Node cannot raise its own limit, so the fix is `ulimit -n` in the
 * shell that runs the benchmark.
 */
function checkFileLimit(options: BenchOptions): void {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  const needed = options.viewers + 200;
  if (Number.isFinite(limit) && limit < needed) {
    console.warn(`warning: the open-file limit is ${limit}, below the ${needed} descriptors the host needs; run \`ulimit -n ${needed}\` first, or expect connection failures`);
  }
}

/** Ends every child and exits if the run takes far longer than its phases should. */
function armDeadline(options: BenchOptions): void {
  const phases = options.warmupMs + 3 * options.durationMs + 2 * SETTLE_MS + NAIVE_IDLE_MS;
  const timer = setTimeout(() => {
    console.error(`latentcast fan-out benchmark: still running ${((phases + DEADLINE_MARGIN_MS) / 60_000).toFixed(1)} min after its start; stopping every process`);
    void stopAllChildren().finally(() => process.exit(1));
  }, phases + DEADLINE_MARGIN_MS);
  timer.unref();
}

function stopOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every process`);
      void stopAllChildren().finally(() => process.exit(128 + constants.signals[signal]));
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench:fanout: ${error.message}`);
    process.exit(2);
  }
  if (options === 'help') {
    console.log(helpText());
    return;
  }

  printMachine();
  checkFileLimit(options);
  armDeadline(options);
  stopOnSignals();
  try {
    const real = await measureRealHost(options);
    const naive = options.skipNaive ? null : await measureNaiveOrReport(options, real.loaded.stepsPerSecond);
    const run = {
      viewers: options.viewers,
      durationSeconds: options.durationMs / 1000,
      viewerProcesses: options.viewerProcesses,
      naiveStepsPerSecond: real.loaded.stepsPerSecond,
    };
    printReport(run, real, naive);
  } finally {
    await stopAllChildren();
  }
}

await main();
