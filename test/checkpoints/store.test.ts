import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pino from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { Checkpoint } from '../../server/checkpoints/checkpoint';
import { encodeCheckpoint } from '../../server/checkpoints/format';
import { openRun } from '../../server/checkpoints/resume';
import { currentCheckpointPath, keepEarlierRun, loadLatestCheckpoint, saveCheckpoint } from '../../server/checkpoints/store';
import { selectBackend } from '../../server/trainer/backend';
import { trainedCheckpoint } from '../helpers/checkpoints';

let checkpoint: Checkpoint;
let stateDir: string;

/** Creates a logger that keeps each record, so tests can check what was logged. */
function recordingLogger() {
  const records: { level: number; msg: string; [key: string]: unknown }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line)) });
  return { log, records };
}

beforeAll(async () => {
  await selectBackend('wasm');
  checkpoint = await trainedCheckpoint();
});

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'latentcast-store-'));
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

const checkpointFiles = async () => (await readdir(join(stateDir, 'checkpoints'))).sort();

describe('checkpoint store', () => {
  it('returns null for a state folder without checkpoints', async () => {
    expect(await loadLatestCheckpoint(stateDir, recordingLogger().log)).toBeNull();
  });

  it('ignores a partial temporary file next to the checkpoint', async () => {
    const { path } = await saveCheckpoint(stateDir, checkpoint);
    const partial = encodeCheckpoint({ ...checkpoint, state: { ...checkpoint.state, step: 99 } }).subarray(0, 5000);
    await writeFile(`${path}.tmp`, partial);

    const loaded = await loadLatestCheckpoint(stateDir, recordingLogger().log);
    expect(loaded?.checkpoint.state.step).toBe(checkpoint.state.step);
    expect(await checkpointFiles()).toEqual(['current.ckpt', 'current.ckpt.tmp']);
  });

  it('starts fresh when only a partial temporary file exists', async () => {
    await mkdir(join(stateDir, 'checkpoints'));
    await writeFile(`${currentCheckpointPath(stateDir)}.tmp`, encodeCheckpoint(checkpoint).subarray(0, 5000));
    expect(await loadLatestCheckpoint(stateDir, recordingLogger().log)).toBeNull();
  });

  it('overwrites a stale temporary file on the next save', async () => {
    const path = currentCheckpointPath(stateDir);
    await mkdir(join(stateDir, 'checkpoints'));
    await writeFile(`${path}.tmp`, 'left behind by a crash');

    await saveCheckpoint(stateDir, checkpoint);
    expect(await checkpointFiles()).toEqual(['current.ckpt']);
    expect((await loadLatestCheckpoint(stateDir, recordingLogger().log))?.checkpoint.state.step).toBe(checkpoint.state.step);
  });

  it('sets a corrupt checkpoint aside and names its path', async () => {
    const { path } = await saveCheckpoint(stateDir, checkpoint);
    const corrupt = Buffer.from(await readFile(path));
    corrupt[corrupt.length - 100] ^= 0xff;
    await writeFile(path, corrupt);
    const { log, records } = recordingLogger();

    expect(await loadLatestCheckpoint(stateDir, log)).toBeNull();

    const files = await checkpointFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^unusable-.*\.ckpt$/);
    expect(await readFile(join(stateDir, 'checkpoints', files[0]))).toEqual(corrupt);
    const error = records.find((record) => record.level === 50);
    expect(error?.msg).toContain(path);
    expect(error?.msg).toContain(join(stateDir, 'checkpoints', files[0]));
    expect(error?.msg).toMatch(/checksum does not match/);
  });

  it('keeps the earlier run under its own name', async () => {
    const { path } = await saveCheckpoint(stateDir, checkpoint);
    const bytes = await readFile(path);

    const kept = await keepEarlierRun(stateDir, recordingLogger().log);

    expect(kept).toMatch(/checkpoints\/run-.*\.ckpt$/);
    expect(await readFile(kept!)).toEqual(bytes);
    expect(await checkpointFiles()).toEqual([kept!.split('/').at(-1)]);
  });

  it('keeps two earlier runs saved at the same time apart', async () => {
    await saveCheckpoint(stateDir, checkpoint);
    const first = await keepEarlierRun(stateDir, recordingLogger().log);
    await saveCheckpoint(stateDir, checkpoint);
    const { mtime } = await stat(first!);
    await utimes(currentCheckpointPath(stateDir), mtime, mtime);

    const second = await keepEarlierRun(stateDir, recordingLogger().log);
    expect(second).not.toBe(first);
    expect(await checkpointFiles()).toHaveLength(2);
  });
});

describe('run start', () => {
  const noFlags = { fresh: false, explicitFlags: new Set<string>() };

  it('resumes the current checkpoint', async () => {
    await saveCheckpoint(stateDir, checkpoint);
    const start = await openRun({ ...noFlags, run: checkpoint.config, stateDir }, recordingLogger().log);
    expect(start.resume?.checkpoint.runId).toBe(checkpoint.runId);
    expect(start.config).toEqual(checkpoint.config);
  });

  it('starts fresh with --fresh and keeps the checkpoint', async () => {
    const { path } = await saveCheckpoint(stateDir, checkpoint);
    const bytes = await readFile(path);
    const run = { ...checkpoint.config, latent: 16 };

    const start = await openRun({ ...noFlags, run, stateDir, fresh: true }, recordingLogger().log);

    expect(start.resume).toBeNull();
    expect(start.config).toEqual(run);
    const files = await checkpointFiles();
    expect(files).toHaveLength(1);
    expect(await readFile(join(stateDir, 'checkpoints', files[0]))).toEqual(bytes);
  });
});
