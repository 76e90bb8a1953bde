// Polls as viewers see them. A dataset option's value is a folder path on
// the streamer's disk. Viewers get only the folder's name, as they do for the
// run's own dataset in RunHistory's public configuration.

import { basename } from 'node:path';

import type { OpenPoll, PollOption, PollResult, PollSetting } from '../../shared/polls';

/** Returns the open poll without host paths. */
export function publicOpenPoll(poll: OpenPoll): OpenPoll {
  return { ...poll, options: publicOptions(poll.setting, poll.options) };
}

/** Returns a result without host paths. */
export function publicResult(result: PollResult): PollResult {
  const application = result.application && { ...result.application, value: publicValue(result.setting, result.application.value) };
  return { ...result, options: publicOptions(result.setting, result.options), application };
}

/** Returns a setting value as viewers may see it: a dataset folder by its name. */
export function publicValue(setting: PollSetting | null, value: number | string | null): number | string | null {
  if (setting !== 'dataset' || typeof value !== 'string' || value === 'shapes' || value === 'mnist') return value;
  return basename(value);
}

function publicOptions(setting: PollSetting | null, options: readonly PollOption[]): PollOption[] {
  return options.map((option) => ({ ...option, value: publicValue(setting, option.value) }));
}
