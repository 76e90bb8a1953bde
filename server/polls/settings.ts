// The run settings a poll can be bound to: checking a dataset option against
// the host's disk when the poll opens, deciding what a closing poll applies,
// and applying the winning value through RunControl. The learning rate
// changes in the running run (`update`). The latent size, the dataset and the
// denoising noise need a new run (`restart`).

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

import { describeSetting, PollRequestError, SETTING_RANGES } from '../../shared/polls';
import type { OpenPoll, PollApplication, PollCloseReason, PollRequest, PollSetting } from '../../shared/polls';
import type { RunConfig } from '../../shared/training';
import type { RunControl } from '../run/run-control';
import type { Decision } from './outcome';
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

/**
 * Decides what a closing poll does to the run: null without a setting,
 * `pending` when its winner is to be applied through `control`, otherwise
 * `skipped` with the reason.
 */
export function planApplication(
  poll: OpenPoll,
  tallies: readonly number[],
  decision: Decision,
  reason: PollCloseReason,
  control: RunControl | null,
): PollApplication | null {
  const setting = poll.setting;
  if (setting === null) return null;

  const skipped = (message: string, value: number | string | null = null): PollApplication => ({ status: 'skipped', setting, value, message });
  if (decision.outcome === 'no-votes') return skipped('no votes; nothing applied');
  if (decision.outcome === 'tie') {
    const labels = decision.leaders.map((index) => `"${poll.options[index].label}"`).join(' and ');
    const votes = tallies[decision.leaders[0]];
    return skipped(`tie between ${labels} with ${votes} ${votes === 1 ? 'vote' : 'votes'} each; nothing applied`);
  }

  const value = poll.options[decision.winner!].value!;
  const described = describeSetting(setting, shown(setting, value));
  if (reason === 'host-down') {
    return skipped(`the poll ended while the host was stopped, so ${described} was not applied; the host's start flags decide the run`, value);
  }
  if (reason === 'cancelled') return skipped(`the host closed the poll without applying ${described}`, value);
  if (!control) return skipped(`this host cannot change the run, so ${described} was not applied`, value);

  const unchanged = unchangedMessage(control.config, setting, value);
  if (unchanged) return skipped(unchanged, value);
  const pending = setting === 'learningRate' ? `changing to ${described}` : `starting a new run with ${described}`;
  return { status: 'pending', setting, value, message: pending };
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
    // Viewers read this message, and a failed dataset usually names its folder's path on the host.
    const cause = setting === 'dataset' ? (error as Error).message.replaceAll(String(value), String(shown(setting, value))) : (error as Error).message;
    return { status: 'failed', setting, value, message: `${what} ${described} failed: ${cause}; the current run keeps training` };
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
