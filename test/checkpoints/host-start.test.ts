// How a host starts on a state folder that contains a checkpoint it must not
// resume: a damaged one, one the worker rejects, or any with --fresh.

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pino from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { Checkpoint } from '../../server/checkpoints/checkpoint';
import { currentCheckpointPath, readCheckpoint, saveCheckpoint } from '../../server/checkpoints/store';
import { parseHostOptions } from '../../server/cli/options';
import type { HostOptions } from '../../server/cli/options';
import { startHost } from '../../server/host';
import type { Host } from '../../server/host';
import { selectBackend } from '../../server/trainer/backend';
import { TINY_RUN, trainedCheckpoint } from '../helpers/checkpoints';
import { waitFor } from '../helpers/host';

/** Returns the flags of TINY_RUN with `--hidden 64`, so that a host started with them could resume its checkpoints. */
function tinyFlags(latent = 4): string[] {
  return ['--shapes-count', '400', '--latent', String(latent), '--batch-size', '32', '--epochs', '3', '--seed', '7', '--lr', '0.01', '--hidden', '64'];
}

let stateDir: string;
let host: Host | null = null;
let records: { level: number; msg: string }[] = [];
let checkpoint: Checkpoint;

async function start(flags: string[]): Promise<Host> {
  const options = parseHostOptions(['--port', '0', '--state-dir', stateDir, '--backend', 'wasm', ...flags], {}) as HostOptions;
  const log = pino({ level: 'info' }, { write: (line: string) => records.push(JSON.parse(line)) });
  host = await startHost(options, log);
  return host;
}

const checkpointFiles = async () => (await readdir(join(stateDir, 'checkpoints'))).sort();

beforeAll(async () => {
  await selectBackend('wasm');
  checkpoint = await trainedCheckpoint({ ...TINY_RUN, hidden: [64] });
});

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'latentcast-start-'));
  records = [];
});

afterEach(async () => {
  await host?.close();
  host = null;
  await rm(stateDir, { recursive: true, force: true });
});

describe('host start with a checkpoint it cannot resume', () => {
  it('sets a corrupt checkpoint aside and starts fresh', async () => {
    const path = currentCheckpointPath(stateDir);
    await mkdir(join(stateDir, 'checkpoints'));
    await writeFile(path, 'LCCKPT\r\n but not much else of a checkpoint, cut short by a full disk');

    const started = await start(tinyFlags());

    expect(started.history.status(0).epoch).toBe(0);
    expect(started.history.runId).not.toBe(checkpoint.runId);
    const files = await checkpointFiles();
    expect(files).toEqual([expect.stringMatching(/^unusable-.*\.ckpt$/)]);
    expect(await readFile(join(stateDir, 'checkpoints', files[0]), 'utf8')).toContain('cut short by a full disk');
    const setAside = records.find((record) => record.level === 50 && record.msg.includes('is unusable'));
    expect(setAside?.msg).toContain(`checkpoint ${path} is unusable`);
  });

  it('sets aside a checkpoint that the worker rejects and starts fresh', async () => {
    // The weights are those of a 784-3 encoder, but the configuration has latent 4.
    const mismatched = await trainedCheckpoint({ ...TINY_RUN, hidden: [64], latent: 3 });
    const { path } = await saveCheckpoint(stateDir, { ...mismatched, config: { ...mismatched.config, latent: 4 } });

    const started = await start(tinyFlags());

    expect(started.history.runId).not.toBe(mismatched.runId);
    expect(started.history.status(0).layerSizes).toEqual([784, 4, 784]);
    expect(await checkpointFiles()).toEqual([expect.stringMatching(/^unusable-.*\.ckpt$/)]);
    const setAside = records.find((record) => record.level === 50 && record.msg.includes('is unusable'));
    expect(setAside?.msg).toContain(`checkpoint ${path} is unusable (the training worker could not resume it`);
  });

  it('keeps the old checkpoint with --fresh', async () => {
    const { path } = await saveCheckpoint(stateDir, checkpoint);
    const bytes = await readFile(path);

    const started = await start([...tinyFlags(), '--fresh']);

    expect(started.history.runId).not.toBe(checkpoint.runId);
    expect(started.history.status(0).epoch).toBe(0);
    const files = await checkpointFiles();
    expect(files).toEqual([expect.stringMatching(/^run-.*\.ckpt$/)]);
    expect(await readFile(join(stateDir, 'checkpoints', files[0]))).toEqual(bytes);
  });
});

describe('host start with a checkpoint of other flags', () => {
  it('resumes the checkpoint configuration and names the differing flag', async () => {
    await saveCheckpoint(stateDir, checkpoint);

    const started = await start(tinyFlags(8));

    expect(started.history.runId).toBe(checkpoint.runId);
    expect(started.history.status(0).latent).toBe(4);
    expect(started.history.status(0).layerSizes).toEqual([784, 4, 784]);
    const warning = records.find((record) => record.level === 40)?.msg;
    expect(warning).toContain("--latent 8 differs from the checkpoint's 4");
    expect(warning).toContain('--fresh');
  });
});

describe('host panel restart', () => {
  it('keeps the replaced run and checkpoints the new one', async () => {
    const started = await start([...tinyFlags(), '--epochs', '1000', '--checkpoint-every', '1', '--checkpoint-interval', '0']);
    const firstRunId = started.history.runId;
    const path = currentCheckpointPath(stateDir);
    await waitFor('a checkpoint of the first run', () => records.some((record) => record.msg.startsWith('checkpoint saved')));

    await started.runs.restart({ latent: 6 }, 'test restart');
    const secondRunId = started.history.runId;
    await waitFor('a checkpoint of the new run', async () => {
      const saved = await readCheckpoint(path).catch(() => null);
      return saved?.runId === secondRunId;
    });

    const files = await checkpointFiles();
    expect(files).toContain('current.ckpt');
    const kept = files.filter((file) => /^run-.*\.ckpt$/.test(file));
    expect(kept).toHaveLength(1);
    const earlier = await readCheckpoint(join(stateDir, 'checkpoints', kept[0]));
    expect(earlier.runId).toBe(firstRunId);
    expect(earlier.config.latent).toBe(4);
    expect((await readCheckpoint(path)).config.latent).toBe(6);
  });
});

describe('periodic checkpoints', () => {
  it('wait for the minimum interval however short the epochs are', async () => {
    const started = await start([...tinyFlags(), '--epochs', '1000', '--checkpoint-every', '1', '--checkpoint-interval', '3600']);
    await waitFor('ten epochs', () => started.history.epochs.length >= 10);
    expect(records.filter((record) => record.msg.startsWith('checkpoint saved'))).toEqual([]);
  });
});
