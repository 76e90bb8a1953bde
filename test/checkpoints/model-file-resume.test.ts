// Which checkpoints a host started with a model file resumes: only one whose
// run imported the same file with the same bytes. Every other checkpoint is
// kept as an earlier run while a new run starts.

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pino from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { RunConfig } from '../../shared/training';
import type { Checkpoint } from '../../server/checkpoints/checkpoint';
import { modelFileChange } from '../../server/checkpoints/model-file-resume';
import { openRun } from '../../server/checkpoints/resume';
import { CHECKPOINT_FOLDER, saveCheckpoint } from '../../server/checkpoints/store';
import { modelFileDigest } from '../../server/trainer/model-file-digest';
import { TINY_RUN, trainedCheckpoint } from '../helpers/checkpoints';

const SOURCE = 'export default function model(tf, config) { /* version 1 */ }\n';
const EDITED = 'export default function model(tf, config) { /* version 2 */ }\n';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let folder: string;
let file: string;
let other: string;
let digest: string;
let builtIn: Checkpoint;

/** Returns the configuration of a run of `modelFile`. */
function fileRun(modelFile: string): RunConfig {
  return { ...TINY_RUN, model: 'file', modelFile };
}

/** Returns a checkpoint whose run trained `modelFile` at `sha256`; openRun reads no weights, so those of the built-in model do. */
function fileCheckpoint(modelFile: string, sha256: string | null): Checkpoint {
  return { ...builtIn, config: fileRun(modelFile), modelFileSha256: sha256 };
}

beforeAll(async () => {
  builtIn = await trainedCheckpoint();
});

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'latentcast-model-resume-'));
  file = join(folder, 'my-model.mjs');
  other = join(folder, 'other-model.mjs');
  await writeFile(file, SOURCE);
  await writeFile(other, SOURCE);
  digest = (await modelFileDigest(file))!;
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('model file change with --model-file', () => {
  const given = new Set(['model-file']);

  it('resumes the same file unchanged', async () => {
    expect(await modelFileChange(fileCheckpoint(file, digest), fileRun(file), given)).toBeNull();
  });

  it('starts over from a built-in model', async () => {
    const change = await modelFileChange(builtIn, fileRun(file), given);
    expect(change?.settings).toBe('flags');
    expect(change?.reason).toBe("the checkpoint's run trains the built-in dense model, not --model-file my-model.mjs");
  });

  it('starts over from another file', async () => {
    const change = await modelFileChange(fileCheckpoint(other, digest), fileRun(file), given);
    expect(change?.settings).toBe('flags');
    expect(change?.reason).toBe(`the checkpoint's run trains ${other}, not --model-file ${file}`);
  });

  it('starts over from an edited file', async () => {
    await writeFile(file, EDITED);
    const change = await modelFileChange(fileCheckpoint(file, digest), fileRun(file), given);
    expect(change?.settings).toBe('flags');
    expect(change?.reason).toBe('my-model.mjs changed since the checkpoint was saved');
  });

  it('starts over without a recorded digest', async () => {
    const change = await modelFileChange(fileCheckpoint(file, null), fileRun(file), given);
    expect(change?.settings).toBe('flags');
    expect(change?.reason).toBe("the checkpoint does not record which version of my-model.mjs its run trained");
  });
});

describe('model file change without --model-file', () => {
  const none = new Set<string>();

  it('resumes a built-in model', async () => {
    expect(await modelFileChange(builtIn, TINY_RUN, none)).toBeNull();
  });

  it('resumes the checkpoint file unchanged', async () => {
    expect(await modelFileChange(fileCheckpoint(file, digest), TINY_RUN, none)).toBeNull();
  });

  it('trains the edited checkpoint file anew', async () => {
    await writeFile(file, EDITED);
    const change = await modelFileChange(fileCheckpoint(file, digest), TINY_RUN, none);
    expect(change?.settings).toBe('checkpoint');
    expect(change?.reason).toBe('my-model.mjs changed since the checkpoint was saved');
  });

  it('falls back to the flags for a deleted file', async () => {
    await rm(file);
    const change = await modelFileChange(fileCheckpoint(file, digest), TINY_RUN, none);
    expect(change?.settings).toBe('flags');
    expect(change?.reason).toBe(`the checkpoint's model file ${file} no longer exists`);
  });
});

describe('openRun on a checkpoint of another model', () => {
  /** Returns the file names in the state folder's checkpoint folder. */
  async function checkpointFiles(): Promise<string[]> {
    return (await readdir(join(folder, CHECKPOINT_FOLDER))).sort();
  }

  it('starts the given file and keeps the checkpoint', async () => {
    await saveCheckpoint(folder, builtIn);
    const start = await openRun({ run: fileRun(file), stateDir: folder, fresh: false, explicitFlags: new Set(['model-file']) }, log);

    expect(start.resume).toBeNull();
    expect(start.config).toEqual(fileRun(file));
    const files = await checkpointFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^run-.*\.ckpt$/);
  });

  it('resumes the given file unchanged', async () => {
    await saveCheckpoint(folder, fileCheckpoint(file, digest));
    const start = await openRun({ run: fileRun(file), stateDir: folder, fresh: false, explicitFlags: new Set(['model-file']) }, log);

    expect(start.resume?.checkpoint.runId).toBe(builtIn.runId);
    expect(start.config.modelFile).toBe(file);
    expect(await checkpointFiles()).toEqual(['current.ckpt']);
  });

  it('keeps the checkpoint settings for its edited file', async () => {
    const saved = { ...fileCheckpoint(file, digest), config: { ...fileRun(file), latent: 2 } };
    await saveCheckpoint(folder, saved);
    await writeFile(file, EDITED);
    const start = await openRun({ run: TINY_RUN, stateDir: folder, fresh: false, explicitFlags: new Set() }, log);

    expect(start.resume).toBeNull();
    expect(start.config).toMatchObject({ model: 'file', modelFile: file, latent: 2 });
    expect(await checkpointFiles()).toHaveLength(1);
  });
});
