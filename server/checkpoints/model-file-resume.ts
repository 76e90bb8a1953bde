// Whether a checkpoint's run may continue with the model file the host is
// started with. The weights belong to the layers that one version of one
// file built, so a model file's run resumes only from the same file with the
// same bytes, and a checkpoint of a built-in model never resumes when
// --model-file is given. Otherwise the host keeps the checkpoint as an
// earlier run and starts a new one.

import { basename } from 'node:path';

import type { RunConfig } from '../../shared/training';
import { modelFileDigest } from '../trainer/model-file-digest';
import type { Checkpoint } from './checkpoint';

/** The reason a checkpoint's run cannot continue, and the source of the new run's settings. */
export interface ModelFileChange {
  /** The reason, for the log, such as `my-model.ts changed since the checkpoint was saved`. */
  reason: string;
  /**
   * `flags` when the new run trains what the command line requests, and
   * `checkpoint` when it trains the checkpoint's model file again, as a save
   * during the run would, with the checkpoint's settings.
   */
  settings: 'flags' | 'checkpoint';
}

/**
 * Compares the model that the checkpoint's run trained with the one to train
 * now: the --model-file given on the command line, or else the checkpoint's
 * own model file. Returns null when the run may resume.
 */
export async function modelFileChange(
  checkpoint: Pick<Checkpoint, 'config' | 'modelFileSha256'>,
  flags: RunConfig,
  explicitFlags: ReadonlySet<string>,
): Promise<ModelFileChange | null> {
  const saved = checkpoint.config;
  const given = explicitFlags.has('model-file') ? flags.modelFile : null;

  if (given) {
    if (saved.model !== 'file') return { reason: `the checkpoint's run trains the built-in ${saved.model} model, not --model-file ${basename(given)}`, settings: 'flags' };
    if (saved.modelFile !== given) return { reason: `the checkpoint's run trains ${saved.modelFile}, not --model-file ${given}`, settings: 'flags' };
    const change = await versionChange(given, checkpoint.modelFileSha256);
    return change && { reason: change.reason, settings: 'flags' };
  }

  if (saved.model !== 'file' || !saved.modelFile) return null;
  const change = await versionChange(saved.modelFile, checkpoint.modelFileSha256);
  // A file that is gone cannot train, so the command line's model takes its place.
  return change && { reason: change.reason, settings: change.missing ? 'flags' : 'checkpoint' };
}

/** Returns why `file` is not the version with digest `recorded`, and whether it is missing, or null when it is that version. */
async function versionChange(file: string, recorded: string | null): Promise<{ reason: string; missing: boolean } | null> {
  const current = await modelFileDigest(file);
  if (current === null) return { reason: `the checkpoint's model file ${file} no longer exists`, missing: true };
  if (recorded === null) return { reason: `the checkpoint does not record which version of ${basename(file)} its run trained`, missing: false };
  if (current !== recorded) return { reason: `${basename(file)} changed since the checkpoint was saved`, missing: false };
  return null;
}
