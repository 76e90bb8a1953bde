// Viewer polls: the streamer opens a question with 2 to 5 options, viewers
// vote, and a poll bound to a run setting changes the run when it closes.
// These types and checks are shared by the host's HTTP routes, its WebSocket
// messages and the pages.

import { FORBIDDEN_TITLE_CHARACTER, MAX_LATENT_SIZE } from './gallery';

/** Minimum and maximum number of options of a poll. */
export const MIN_POLL_OPTIONS = 2;
export const MAX_POLL_OPTIONS = 5;

/** Minimum and maximum duration of a poll, in seconds: 15 s to 30 min. */
export const MIN_POLL_SECONDS = 15;
export const MAX_POLL_SECONDS = 30 * 60;

/** Maximum characters (Unicode code points) of a question and of an option label. */
export const MAX_QUESTION_LENGTH = 140;
export const MAX_OPTION_LABEL_LENGTH = 60;

/** Maximum characters of a dataset value: `shapes`, `mnist` or a folder path. */
const MAX_DATASET_LENGTH = 1024;

/**
 * Run setting a poll can change when it closes: the latent size, the
 * learning rate, the dataset, or the noise of denoising training.
 */
export type PollSetting = 'latent' | 'learningRate' | 'dataset' | 'denoise';

export const POLL_SETTINGS: readonly PollSetting[] = ['latent', 'learningRate', 'dataset', 'denoise'];

/** Names of the settings as viewers read them. */
export const SETTING_NAMES: Record<PollSetting, string> = {
  latent: 'latent size',
  learningRate: 'learning rate',
  dataset: 'dataset',
  denoise: 'denoising noise',
};

/** The values each setting accepts, as error messages state them. */
export const SETTING_RANGES: Record<PollSetting, string> = {
  latent: `a whole number from 1 to ${MAX_LATENT_SIZE}`,
  learningRate: 'a number above 0, such as 0.001',
  dataset: '`shapes`, `mnist` or the path of an existing folder of images on the host',
  denoise: 'a number from 0 (no noise) to 1',
};

/** One option of a poll. */
export interface PollOption {
  /** Text viewers see. */
  label: string;
  /** Setting value this option stands for, in a poll bound to a setting; null otherwise. */
  value: number | string | null;
}

/** A poll as the host opens it, after every check. */
export interface PollRequest {
  question: string;
  options: PollOption[];
  /** How long viewers can vote, in whole seconds. */
  durationSeconds: number;
  /** Setting the winning option's value is applied to when the poll closes, or null. */
  setting: PollSetting | null;
}

/** The poll that is open now, as every viewer sees it. */
export interface OpenPoll {
  id: number;
  question: string;
  options: PollOption[];
  setting: PollSetting | null;
  /** Opening time, in milliseconds since the Unix epoch (host clock). */
  openedAt: number;
  /** Time at which voting ends, in milliseconds since the Unix epoch (host clock). */
  endsAt: number;
  /** Votes per option, in option order. */
  tallies: number[];
}

/**
 * Why a poll closed: its time ran out, the host closed it early, the host
 * closed it early without applying it, or its time ran out while the host
 * was stopped.
 */
export type PollCloseReason = 'time' | 'host' | 'cancelled' | 'host-down';

/** A single option with the most votes, a tie between several, or no votes at all. */
export type PollOutcome = 'winner' | 'tie' | 'no-votes';

/**
 * Progress of applying a bound poll's winner to the run: `pending` while a
 * restart runs, then `applied` or `failed`; `skipped` when nothing was applied.
 */
export type ApplicationStatus = 'pending' | 'applied' | 'failed' | 'skipped';

/** The effect of a bound poll on the run. */
export interface PollApplication {
  status: ApplicationStatus;
  setting: PollSetting;
  /** The winning value, or null after a tie or without votes. */
  value: number | string | null;
  /** Sentence for viewers that names the applied value, or the reason nothing was applied. */
  message: string;
}

/** A closed poll and its result. */
export interface PollResult {
  id: number;
  question: string;
  options: PollOption[];
  setting: PollSetting | null;
  openedAt: number;
  closedAt: number;
  closeReason: PollCloseReason;
  /** Final votes per option, in option order. */
  tallies: number[];
  outcome: PollOutcome;
  /** Index of the winning option, or null after a tie or without votes. */
  winner: number | null;
  /** Effect of the poll on the run; null for a poll bound to no setting. */
  application: PollApplication | null;
}

/** Poll state a page receives on joining and whenever a poll opens. */
export interface PollsState {
  open: OpenPoll | null;
  /** Result of the most recently closed poll, or null before the first. */
  last: PollResult | null;
  /** Host clock when the state was sent, in milliseconds since the Unix epoch, so pages can correct their countdown. */
  serverTime: number;
}

/** A viewer's vote: option `option` (0-based) of poll `pollId`. */
export interface PollVote {
  pollId: number;
  option: number;
}

/** Raised for a poll request or a vote that breaks a rule; the message names the field, the value and the range. */
export class PollRequestError extends Error {
  override name = 'PollRequestError';
}

/**
 * Checks an open request `{"question", "options", "durationSeconds", "setting"?}`
 * and returns it with labels trimmed and a bound option's label defaulted to
 * its value. `options` contains labels (strings) for a poll without a setting,
 * and `{"value", "label"?}` objects for a bound poll. A dataset folder is
 * checked against the host's disk by the host, not here. Throws PollRequestError.
 */
export function readPollRequest(body: unknown): PollRequest {
  const fields = readObject(body, ['question', 'options', 'durationSeconds', 'setting'], '{"question": "...", "options": ["a", "b"], "durationSeconds": 60}');

  const question = readText(fields.question, '"question"', MAX_QUESTION_LENGTH);
  const setting = readSetting(fields.setting);
  const durationSeconds = readDuration(fields.durationSeconds);

  if (!Array.isArray(fields.options)) throw new PollRequestError(`"options" is ${describeValue(fields.options)}; it must be an array of ${MIN_POLL_OPTIONS} to ${MAX_POLL_OPTIONS} options`);
  const count = fields.options.length;
  if (count < MIN_POLL_OPTIONS || count > MAX_POLL_OPTIONS) {
    throw new PollRequestError(`"options" has ${count} ${count === 1 ? 'entry' : 'entries'}; a poll takes ${MIN_POLL_OPTIONS} to ${MAX_POLL_OPTIONS} options`);
  }

  const options = fields.options.map((option, index) => readOption(option, index, setting));
  checkDistinct(options, setting);
  return { question, options, durationSeconds, setting };
}

/** Checks a vote body `{"option": index}` and returns the option index, which the host checks against the poll. */
export function readVoteOption(body: unknown): number {
  const fields = readObject(body, ['option'], '{"option": 0}');
  const option = fields.option;
  if (typeof option !== 'number' || !Number.isInteger(option) || option < 0) {
    throw new PollRequestError(`"option" is ${describeValue(option)}; it must be the 0-based index of an option, such as 0`);
  }
  return option;
}

/** Checks `value` for `setting` and returns it normalised (a trimmed dataset); throws PollRequestError naming `field`. */
export function checkSettingValue(setting: PollSetting, value: unknown, field: string): number | string {
  const fail = (): never => {
    throw new PollRequestError(`${field} is ${describeValue(value)}; a ${SETTING_NAMES[setting]} is ${SETTING_RANGES[setting]}`);
  };

  if (setting === 'dataset') {
    if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_DATASET_LENGTH || FORBIDDEN_TITLE_CHARACTER.test(value)) fail();
    return (value as string).trim();
  }

  if (typeof value !== 'number' || !Number.isFinite(value)) fail();
  const number = value as number;
  if (!inRange(setting, number)) fail();
  return number;
}

/** Returns whether a number is a valid value of a numeric setting. */
function inRange(setting: Exclude<PollSetting, 'dataset'>, number: number): boolean {
  switch (setting) {
    case 'latent':
      return Number.isInteger(number) && number >= 1 && number <= MAX_LATENT_SIZE;
    case 'learningRate':
      return number > 0;
    case 'denoise':
      return number >= 0 && number <= 1;
  }
}

/** Describes a setting value for viewers, such as `latent size 16`. */
export function describeSetting(setting: PollSetting, value: number | string): string {
  return `${SETTING_NAMES[setting]} ${value}`;
}

/** Formats seconds as `m:ss`, for countdowns. */
export function formatCountdown(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

function readOption(option: unknown, index: number, setting: PollSetting | null): PollOption {
  const field = `options[${index}]`;
  if (setting === null) {
    if (typeof option === 'object' && option !== null && !Array.isArray(option)) {
      const fields = readObject(option, ['label'], '{"label": "..."}', field);
      return { label: readText(fields.label, `${field}.label`, MAX_OPTION_LABEL_LENGTH), value: null };
    }
    return { label: readText(option, field, MAX_OPTION_LABEL_LENGTH), value: null };
  }

  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new PollRequestError(`${field} is ${describeValue(option)}; a poll bound to the ${SETTING_NAMES[setting]} takes options such as {"value": ..., "label": "optional"}`);
  }
  const fields = readObject(option, ['value', 'label'], '{"value": ..., "label": "optional"}', field);
  const value = checkSettingValue(setting, fields.value, `${field}.value`);
  const label = fields.label === undefined || fields.label === null || fields.label === '' ? defaultLabel(setting, value) : readText(fields.label, `${field}.label`, MAX_OPTION_LABEL_LENGTH);
  return { label, value };
}

/** Returns the label of a bound option that has none: its value, or a dataset folder's last path segment. */
function defaultLabel(setting: PollSetting, value: number | string): string {
  if (setting !== 'dataset') return String(value);
  const segments = String(value).split(/[/\\]/).filter((segment) => segment !== '');
  return (segments.at(-1) ?? String(value)).slice(0, MAX_OPTION_LABEL_LENGTH);
}

/** Rejects two options with the same label, or the same value in a bound poll, since viewers could not tell them apart. */
function checkDistinct(options: readonly PollOption[], setting: PollSetting | null): void {
  for (let i = 1; i < options.length; i++) {
    for (let j = 0; j < i; j++) {
      if (setting !== null && options[i].value === options[j].value) {
        throw new PollRequestError(`options[${i}].value repeats ${JSON.stringify(options[i].value)} of options[${j}]; give every option its own value`);
      }
      if (options[i].label === options[j].label) {
        throw new PollRequestError(`options[${i}] repeats the label ${JSON.stringify(options[i].label)} of options[${j}]; give every option its own label`);
      }
    }
  }
}

function readSetting(value: unknown): PollSetting | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && (POLL_SETTINGS as readonly string[]).includes(value)) return value as PollSetting;
  throw new PollRequestError(`"setting" is ${describeValue(value)}; use one of ${POLL_SETTINGS.map((setting) => JSON.stringify(setting)).join(', ')}, or leave it out for a poll that changes nothing`);
}

function readDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= MIN_POLL_SECONDS && value <= MAX_POLL_SECONDS) return value;
  throw new PollRequestError(
    `"durationSeconds" is ${describeValue(value)}; use a whole number of seconds from ${MIN_POLL_SECONDS} to ${MAX_POLL_SECONDS} (30 min)`,
  );
}

/** Checks that `value` is printable one-line text of 1 to `maxLength` characters after trimming, and returns it trimmed. */
function readText(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string') throw new PollRequestError(`${field} is ${describeValue(value)}; it must be a string`);
  const text = value.trim();
  const length = [...text].length;
  if (length === 0) throw new PollRequestError(`${field} is empty; write 1 to ${maxLength} characters`);
  if (length > maxLength) throw new PollRequestError(`${field} has ${length} characters; the limit is ${maxLength}`);

  const match = FORBIDDEN_TITLE_CHARACTER.exec(text);
  if (match) {
    const hex = `U+${(match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new PollRequestError(`${field} contains ${hex}; use printable text on one line, without control characters or bidirectional overrides`);
  }
  return text;
}

/** Checks that `body` is a JSON object with no fields but `allowed`, and returns it. */
function readObject(body: unknown, allowed: readonly string[], example: string, field = 'the body'): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PollRequestError(`${field} is ${describeValue(body)}; it must be a JSON object such as ${example}`);
  }
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new PollRequestError(`${field} has the unknown field ${unknown.map((key) => JSON.stringify(key)).join(', ')}; it takes ${allowed.map((key) => JSON.stringify(key)).join(', ')}`);
  }
  return body as Record<string, unknown>;
}

/** Describes a JSON value for an error message, such as `the string "abc"` or `2000`. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
