// Where checkpoints live in the state folder, and how they are saved,
// loaded, kept when a new run starts and set aside when they are unusable.
//
//   STATE_DIR/checkpoints/current.ckpt        the run that a restarted host resumes
//   STATE_DIR/checkpoints/current.ckpt.tmp    a save in progress, or one a crash cut short (never loaded)
//   STATE_DIR/checkpoints/run-TIME.ckpt       an earlier run kept by --fresh, TIME being its last save
//   STATE_DIR/checkpoints/unusable-TIME.ckpt  a checkpoint that could not be loaded or resumed, set aside at TIME
//
// Nothing here deletes a checkpoint: every one that is replaced by a new run
// or found unusable is renamed and stays in the folder.

import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { Logger } from '../log';
import { writeFileAtomic } from './atomic-file';
import type { Checkpoint } from './checkpoint';
import { decodeCheckpoint, encodeCheckpoint } from './format';

export const CHECKPOINT_FOLDER = 'checkpoints';
const CURRENT_FILE = 'current.ckpt';

/** A checkpoint and the file it came from. */
export interface LoadedCheckpoint {
  path: string;
  checkpoint: Checkpoint;
}

/** Raised when a checkpoint file cannot be renamed, so starting a new run could overwrite it. */
export class CheckpointStoreError extends Error {
  override name = 'CheckpointStoreError';
}

/** Returns the path of the checkpoint that a host started on `stateDir` resumes. */
export function currentCheckpointPath(stateDir: string): string {
  return join(stateDir, CHECKPOINT_FOLDER, CURRENT_FILE);
}

/** Reads and checks a checkpoint file; throws the file system's error or a CheckpointFormatError. */
export async function readCheckpoint(path: string): Promise<Checkpoint> {
  return decodeCheckpoint(await readFile(path));
}

/** Writes `checkpoint` as the state folder's current checkpoint, atomically, and returns its path and size in bytes. */
export async function saveCheckpoint(stateDir: string, checkpoint: Checkpoint): Promise<{ path: string; bytes: number }> {
  const path = currentCheckpointPath(stateDir);
  await mkdir(join(stateDir, CHECKPOINT_FOLDER), { recursive: true });
  const data = encodeCheckpoint(checkpoint);
  await writeFileAtomic(path, data);
  return { path, bytes: data.length };
}

/**
 * Loads the state folder's current checkpoint. Returns null when there is
 * none, and also when it cannot be read or checked: then it is set aside and
 * the error names its old and new path. Throws CheckpointStoreError only when
 * an unusable checkpoint cannot be moved out of the way.
 */
export async function loadLatestCheckpoint(stateDir: string, log: Logger): Promise<LoadedCheckpoint | null> {
  const path = currentCheckpointPath(stateDir);
  try {
    return { path, checkpoint: await readCheckpoint(path) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    await setAsideCheckpoint(path, (error as Error).message, log);
    return null;
  }
}

/** Renames an unusable checkpoint to `unusable-TIME.ckpt` next to it, logs why with both paths, and returns the new path. */
export async function setAsideCheckpoint(path: string, reason: string, log: Logger): Promise<string> {
  const target = await unusedName(dirname(path), 'unusable', new Date());
  try {
    await rename(path, target);
  } catch (error) {
    throw new CheckpointStoreError(
      `checkpoint ${path} is unusable (${reason}) and could not be moved to ${target} (${(error as Error).message}); ` +
        'move it out of the folder yourself, or pass another --state-dir.',
    );
  }
  log.error({ checkpoint: path, setAsideAs: target, reason }, `checkpoint ${path} is unusable (${reason}); moved it to ${target} and starting a new run`);
  return target;
}

/**
 * Renames the current checkpoint, if there is one, to `run-TIME.ckpt` with
 * TIME its last save, so that a new run starts without losing the old one.
 * Returns the new path, or null when there was no current checkpoint.
 */
export async function keepEarlierRun(stateDir: string, log: Logger): Promise<string | null> {
  const path = currentCheckpointPath(stateDir);
  let savedAt: Date;
  try {
    savedAt = (await stat(path)).mtime;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }

  const target = await unusedName(join(stateDir, CHECKPOINT_FOLDER), 'run', savedAt);
  try {
    await rename(path, target);
  } catch (error) {
    throw new CheckpointStoreError(
      `could not move the earlier run's checkpoint ${path} to ${target} (${(error as Error).message}); ` +
        'move it out of the folder yourself, or pass another --state-dir.',
    );
  }
  log.info({ checkpoint: target }, `kept the earlier run's checkpoint as ${target}`);
  return target;
}

/** Returns `folder/PREFIX-TIME.ckpt` for `time`, with a counter added when that file exists already. */
async function unusedName(folder: string, prefix: string, time: Date): Promise<string> {
  const stamp = time.toISOString().replace(/:/g, '-');
  for (let attempt = 1; ; attempt++) {
    const candidate = join(folder, `${prefix}-${stamp}${attempt === 1 ? '' : `-${attempt}`}.ckpt`);
    if (!(await exists(candidate))) return candidate;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
