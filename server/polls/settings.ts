// The run settings a poll can be bound to: checking a dataset option against
// the host's disk when the poll opens, and applying the winning value through
// RunControl when it closes. The learning rate changes in the running run
// (`update`); the latent size, the dataset and the denoising noise need a new
// run (`restart`).

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

import { describeSetting, PollRequestError, SETTING_RANGES } from '../../shared/polls';
import type { PollApplication, PollRequest, PollSetting } from '../../shared/polls';
import type { RunConfig } from '../../shared/training';
import type { RunControl } from '../run/run-control';
import { publicValue } from './public-view';

/**
 * Returns `request` with every dataset folder resolved to an absolute path,
 * as `--dataset` resolves it. Throws PollRequestError naming the option whose
 * folder does not exist or is a file.
 */
export function resolveDatasetFolders(request: PollRequest): PollRequest {
  if (request.setting !== 'dataset') return request;

  const options = request.options.map((option, index) => {
    const value = String(option.value);
    if (value === 'shapes' || value === 'mnist') return option;

    const folder = resolve(value);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      throw new PollRequestError(`options[${index}].value "${value}" is not an existing folder on the host (looked for ${folder}); a dataset is ${SETTING_RANGES.dataset}`);
    }
    return { ...option, value: folder };
  });
  return { ...request, options };
}

/** Returns the message for a winner the run already uses, or null when applying it changes something. */
export function unchangedMessage(config: RunConfig, setting: PollSetting, value: number | string): string | null {
  const current = setting === 'learningRate' ? config.learningRate : config[setting];
  if (current !== value) return null;
  return `the run already uses ${describeSetting(setting, shown(setting, value))}; nothing to change`;
}

/**
 * Applies `value` to the run and resolves with what happened; never rejects.
 * A failed restart leaves the current run training, as RunControl promises.
 */
export async function applySetting(control: RunControl, setting: PollSetting, value: number | string, reason: string): Promise<PollApplication> {
  const described = describeSetting(setting, shown(setting, value));
  try {
    if (setting === 'learningRate') {
      control.update({ learningRate: value as number }, reason);
      return { status: 'applied', setting, value, message: `${described} applied from the next training step` };
    }

    await control.restart(runChanges(setting, value), reason);
    return { status: 'applied', setting, value, message: `a new run started with ${described}` };
  } catch (error) {
    const what = setting === 'learningRate' ? 'changing to' : 'restarting with';
    return { status: 'failed', setting, value, message: `${what} ${described} failed: ${(error as Error).message}; the current run keeps training` };
  }
}

function runChanges(setting: Exclude<PollSetting, 'learningRate'>, value: number | string): Partial<RunConfig> {
  switch (setting) {
    case 'latent':
      return { latent: value as number };
    case 'denoise':
      return { denoise: value as number };
    case 'dataset':
      return { dataset: value as string };
  }
}

/** Returns a value as messages show it to viewers: a dataset folder by its name. */
function shown(setting: PollSetting, value: number | string): number | string {
  return publicValue(setting, value) ?? value;
}
