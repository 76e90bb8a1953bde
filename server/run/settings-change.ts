// The body of a settings change from the host panel, read strictly. An
// unknown field or a value out of range is rejected before any run starts,
// with a message that names the field, the value and the accepted range.

import { basename, resolve } from 'node:path';

import type { ModelKind, RunConfig } from '../../shared/training';

/** Models the host panel can choose; `file` comes from the streamer's --model-file instead. */
export const PANEL_MODELS: readonly ModelKind[] = ['dense', 'deep', 'conv', 'vae'];

/** Largest learning rate the panel accepts; adadelta's usual 1 fits well below it. */
export const MAX_LEARNING_RATE = 10;

/** Maximum length of a dataset path, in characters. */
const MAX_DATASET_LENGTH = 4096;

/** Settings the host panel may change; each field is optional. */
export interface SettingsChange {
  /** `shapes`, `mnist` or a folder path, relative to the host's working folder or absolute. */
  dataset?: string;
  model?: ModelKind;
  /** Latent vector size, 1 to 1024. */
  latent?: number;
  /** Epochs of the run, 1 to 1,000,000. */
  epochs?: number;
  /** Optimizer learning rate, above 0 and at most MAX_LEARNING_RATE. */
  learningRate?: number;
}

/** Raised for a body the panel API rejects; the message names the field, the value and the accepted range. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

type FieldReader = (value: unknown) => SettingsChange[keyof SettingsChange];

const READERS: Record<keyof SettingsChange, FieldReader> = {
  dataset: readDataset,
  model: (value) => {
    if (typeof value === 'string' && (PANEL_MODELS as readonly string[]).includes(value)) return value as ModelKind;
    throw new SettingsError(`"model" is ${describe(value)}; use one of ${PANEL_MODELS.join(', ')}`);
  },
  latent: (value) => readInteger('latent', value, 1, 1024),
  epochs: (value) => readInteger('epochs', value, 1, 1_000_000),
  learningRate: (value) => {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_LEARNING_RATE) return value;
    throw new SettingsError(`"learningRate" is ${describe(value)}; use a number above 0 and at most ${MAX_LEARNING_RATE}, such as 0.001`);
  },
};

const FIELD_NAMES = Object.keys(READERS) as (keyof SettingsChange)[];

/** Checks that `body` is an object of known fields with valid values, and returns them. Throws SettingsError. */
export function readSettingsChange(body: unknown): SettingsChange {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SettingsError('the body must be a JSON object such as {"latent": 16} or {"learningRate": 0.0005}');
  }

  const unknown = Object.keys(body).filter((key) => !(FIELD_NAMES as string[]).includes(key));
  if (unknown.length > 0) {
    throw new SettingsError(`unknown field ${unknown.map((key) => JSON.stringify(key)).join(', ')}; the body takes ${FIELD_NAMES.join(', ')}`);
  }
  if (Object.keys(body).length === 0) throw new SettingsError(`the body changes nothing; send at least one of ${FIELD_NAMES.join(', ')}`);

  const change: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) change[field] = READERS[field as keyof SettingsChange](value);
  return change as SettingsChange;
}

/** The effect of a settings change: the fields that need a new run, and a learning rate that applies live. */
export interface SettingsPlan {
  restart: Partial<RunConfig>;
  learningRate: number | null;
}

/** Splits `change` into what differs from `config`: a restart for dataset, model, latent and epochs, and a live learning rate. */
export function planChange(change: SettingsChange, config: RunConfig): SettingsPlan {
  const restart: Partial<RunConfig> = {};
  if (change.dataset !== undefined && change.dataset !== config.dataset) restart.dataset = change.dataset;
  if (change.model !== undefined && change.model !== config.model) restart.model = change.model;
  if (change.latent !== undefined && change.latent !== config.latent) restart.latent = change.latent;
  if (change.epochs !== undefined && change.epochs !== config.epochs) restart.epochs = change.epochs;

  const learningRate = change.learningRate !== undefined && change.learningRate !== config.learningRate ? change.learningRate : null;
  // A new run starts with the rate asked for together with it.
  if (learningRate !== null && Object.keys(restart).length > 0) restart.learningRate = learningRate;
  return { restart, learningRate };
}

/**
 * Describes the changes for viewers, such as `latent 8 → 16, dataset shapes → mnist`.
 * A folder shows by its name only, because the reason reaches every viewer.
 */
export function describeChanges(changes: Partial<RunConfig>, config: RunConfig): string {
  const parts = Object.entries(changes).map(([field, value]) => {
    const before = config[field as keyof RunConfig];
    return `${LABELS[field] ?? field} ${publicValue(field, before)} → ${publicValue(field, value)}`;
  });
  return parts.join(', ');
}

const LABELS: Record<string, string> = { learningRate: 'learning rate', latent: 'latent size' };

function publicValue(field: string, value: unknown): string {
  if (field === 'dataset' && typeof value === 'string' && value !== 'shapes' && value !== 'mnist') return basename(value);
  return String(value);
}

function readDataset(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_DATASET_LENGTH || /[\u0000-\u001f]/.test(value)) {
    throw new SettingsError(
      `"dataset" is ${describe(value)}; use "shapes", "mnist" or the path of an image folder (at most ${MAX_DATASET_LENGTH} characters, one line)`,
    );
  }
  const name = value.trim();
  // A folder is resolved as --dataset resolves it, against the host's working folder.
  return name === 'shapes' || name === 'mnist' ? name : resolve(name);
}

function readInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  throw new SettingsError(`"${field}" is ${describe(value)}; use a whole number from ${min} to ${max}`);
}

/** Describes a JSON value for an error message, such as `the string "abc"` or `0`. */
function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
