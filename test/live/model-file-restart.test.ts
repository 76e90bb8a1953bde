// A host started again on the same state folder with a model file: it
// resumes the checkpoint only while the file is the one the run imported.

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CHECKPOINT_FOLDER, currentCheckpointPath, readCheckpoint } from '../../server/checkpoints/store';
import { parseHostOptions } from '../../server/cli/options';
import type { HostOptions } from '../../server/cli/options';
import { startHost } from '../../server/host';
import type { Host } from '../../server/host';
import { modelFileDigest } from '../../server/trainer/model-file-digest';
import { waitFor } from '../helpers/host';

const RUN_FLAGS = ['--shapes-count', '400', '--batch-size', '32', '--epochs', '1000', '--recon-every', '5', '--latent', '4'];

/** Returns the source of a dense model file with `hidden` units on each side of the latent. */
function modelSource(hidden: number): string {
  return `export default function model(tf, config) {
  const encoder = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [784], units: ${hidden}, activation: 'relu' }),
    tf.layers.dense({ units: config.latent }),
  ] });
  const decoder = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [config.latent], units: ${hidden}, activation: 'relu' }),
    tf.layers.dense({ units: 784, activation: 'sigmoid' }),
  ] });
  return { encoder, decoder };
}
`;
}

let stateDir: string;
let file: string;
let host: Host | null = null;

/** Starts a host on the shared state folder with the model file `modelFile` and waits for its first steps. */
async function start(modelFile: string): Promise<Host> {
  const options = parseHostOptions(['--port', '0', '--state-dir', stateDir, ...RUN_FLAGS, '--model-file', modelFile], {}) as HostOptions;
  host = await startHost(options, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  const started = host;
  await waitFor('training steps', () => started.history.status(0).step > 5, 60_000);
  return started;
}

/** Closes the host, which saves a checkpoint of its run. */
async function stop(): Promise<void> {
  await host?.close();
  host = null;
}

/** Returns the names of the kept earlier runs in the checkpoint folder. */
async function earlierRuns(): Promise<string[]> {
  return (await readdir(join(stateDir, CHECKPOINT_FOLDER))).filter((name) => name.startsWith('run-'));
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'latentcast-model-restart-'));
  file = join(stateDir, 'stream-model.mjs');
  await writeFile(file, modelSource(16));
});

afterAll(async () => {
  await stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe('host restart with a model file', () => {
  let firstRunId: string;

  it('records the file digest in the checkpoint', async () => {
    firstRunId = (await start(file)).history.runId;
    await stop();

    const checkpoint = await readCheckpoint(currentCheckpointPath(stateDir));
    expect(checkpoint.runId).toBe(firstRunId);
    expect(checkpoint.config.modelFile).toBe(file);
    expect(checkpoint.modelFileSha256).toBe(await modelFileDigest(file));
  }, 120_000);

  it('resumes the unchanged file', async () => {
    const resumed = await start(file);
    expect(resumed.history.runId).toBe(firstRunId);
    expect(await earlierRuns()).toEqual([]);
    await stop();
  }, 120_000);

  it('starts a new run on the edited file', async () => {
    await writeFile(file, modelSource(24));
    const edited = await start(file);

    expect(edited.history.runId).not.toBe(firstRunId);
    expect(edited.history.status(0).layerSizes).toEqual([784, 24, 4, 24, 784]);
    expect(await earlierRuns()).toHaveLength(1);
    await stop();
  }, 120_000);

  it('starts a new run on another file', async () => {
    const before = (await readCheckpoint(currentCheckpointPath(stateDir))).runId;
    const other = join(stateDir, 'other-model.mjs');
    await writeFile(other, modelSource(12));
    const switched = await start(other);

    expect(switched.history.runId).not.toBe(before);
    expect(switched.history.config.modelFile).toBe(other);
    expect(switched.history.status(0).layerSizes).toEqual([784, 12, 4, 12, 784]);
    expect(await earlierRuns()).toHaveLength(2);
  }, 120_000);
});
