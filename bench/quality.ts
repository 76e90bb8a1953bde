// Reproduces the MNIST results of "Building Autoencoders in Keras" (F. Chollet,
// 2016) with `npm run train`, and prints each test loss next to the reference.
// Each setup runs twice: as published, with Adadelta at learning rate 1.0
// (what the string 'adadelta' means in Keras), and with Adam in fewer epochs.
// The post ran on Keras 1.0, whose Adadelta had epsilon 1e-6, so the Adadelta
// runs use that unless --adadelta-epsilon sets another value.
//
//   npm run bench:quality -- [--setups dense,deep,conv] [--optimizers adam,adadelta] [--adadelta-epsilon 1e-6] [--backend auto]

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

/** One model of the post, with the flags that build it here and the loss it reports. */
interface Setup {
  name: string;
  description: string;
  flags: string[];
  /** Per-pixel binary cross-entropy on the 10,000 MNIST test images that the post reports. */
  referenceLoss: number;
  /** Batch size and epochs of the published run. */
  batchSize: number;
  adadeltaEpochs: number;
  /** Epochs with Adam (learning rate 0.001), fewer than the published run's. */
  adamEpochs: number;
}

const SETUPS: Setup[] = [
  {
    name: 'dense',
    description: '784-32-784, ReLU code, sigmoid output',
    flags: ['--model', 'dense', '--latent', '32'],
    referenceLoss: 0.11,
    batchSize: 256,
    adadeltaEpochs: 50,
    adamEpochs: 10,
  },
  {
    name: 'deep',
    description: '784-128-64-32-64-128-784',
    flags: ['--model', 'deep', '--hidden', '128,64', '--latent', '32'],
    referenceLoss: 0.097,
    batchSize: 256,
    adadeltaEpochs: 100,
    adamEpochs: 25,
  },
  {
    name: 'conv',
    description: 'the post\'s model: Conv2D and max-pooling stages to a 4×4×8 map, which is the 128-value code, mirrored with up-sampling',
    flags: ['--model', 'conv', '--latent', '128'],
    referenceLoss: 0.094,
    batchSize: 128,
    adadeltaEpochs: 50,
    adamEpochs: 35,
  },
];

/** Result line that `npm run train` prints, as JSON. */
interface TrainResult {
  epoch: number;
  validationLoss: number | null;
  backend: string | null;
  layerSizes: number[] | null;
}

interface Row {
  setup: Setup;
  optimizer: string;
  epochs: number;
  result: TrainResult | null;
  minutes: number;
  error?: string;
}

const RESULT_PREFIX = 'latentcast-result ';

const { values } = parseArgs({
  options: {
    setups: { type: 'string', default: SETUPS.map((setup) => setup.name).join(',') },
    optimizers: { type: 'string', default: 'adam,adadelta' },
    'adadelta-epsilon': { type: 'string', default: '1e-6' },
    backend: { type: 'string', default: 'auto' },
  },
});

const chosenSetups = values.setups.split(',').map((name) => {
  const setup = SETUPS.find((candidate) => candidate.name === name);
  if (!setup) throw new Error(`--setups ${name} is not a setup; choose from ${SETUPS.map((candidate) => candidate.name).join(', ')}`);
  return setup;
});
const optimizers = values.optimizers.split(',');
for (const optimizer of optimizers) {
  if (optimizer !== 'adam' && optimizer !== 'adadelta') throw new Error(`--optimizers ${optimizer} is not adam or adadelta`);
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString()}`);
const rows: Row[] = [];
for (const setup of chosenSetups) {
  for (const optimizer of optimizers) rows.push(await runSetup(setup, optimizer));
}
printTable(rows);
process.exitCode = rows.every(passed) ? 0 : 1;

/** Trains one setup with `npm run train` in a fresh state folder and returns its result line. */
async function runSetup(setup: Setup, optimizer: string): Promise<Row> {
  const epochs = optimizer === 'adam' ? setup.adamEpochs : setup.adadeltaEpochs;
  const folder = await mkdtemp(join(tmpdir(), `latentcast-quality-${setup.name}-`));
  const args = [
    '--import', 'tsx', 'server/cli/train.ts',
    '--dataset', 'mnist', ...setup.flags,
    '--loss', 'bce', '--optimizer', optimizer,
    ...(optimizer === 'adadelta' ? ['--epsilon', values['adadelta-epsilon']] : []),
    '--batch-size', String(setup.batchSize), '--epochs', String(epochs),
    '--backend', values.backend,
    '--state-dir', join(folder, 'state'), '--out', join(folder, 'out'),
  ];
  console.log(`\n${setup.name} with ${optimizer}, ${epochs} epochs: node ${args.join(' ')}`);

  const started = performance.now();
  const { result, error } = await trainChild(args);
  await rm(folder, { recursive: true, force: true });
  return { setup, optimizer, epochs, result, error, minutes: (performance.now() - started) / 60_000 };
}

/** Runs the train command, passing its output through, and parses its result line. */
function trainChild(args: string[]): Promise<{ result: TrainResult | null; error?: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let result: TrainResult | null = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith(RESULT_PREFIX)) result = JSON.parse(line.slice(RESULT_PREFIX.length)) as TrainResult;
    else console.log(line);
  });

  return new Promise((resolve) => {
    child.on('close', (code) => resolve(code === 0 ? { result } : { result, error: `npm run train exited with code ${code}` }));
  });
}

function passed(row: Row): boolean {
  const loss = row.result?.validationLoss;
  return loss !== null && loss !== undefined && loss <= row.setup.referenceLoss;
}

function printTable(table: Row[]): void {
  console.log('\n| setup | optimizer | batch | epochs | test BCE | reference | reached | backend | minutes |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of table) {
    const loss = row.result?.validationLoss;
    const cells = [
      `${row.setup.name} (${row.setup.description})`,
      row.optimizer === 'adam' ? 'Adam 0.001' : `Adadelta 1.0, epsilon ${values['adadelta-epsilon']}`,
      row.setup.batchSize,
      row.epochs,
      loss === null || loss === undefined ? (row.error ?? 'none') : loss.toFixed(4),
      `${row.setup.referenceLoss} after ${row.setup.adadeltaEpochs} epochs`,
      passed(row) ? 'yes' : 'no',
      row.result?.backend ?? '?',
      row.minutes.toFixed(1),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
}
