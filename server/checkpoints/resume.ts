// Decides how a run starts: from the state folder's checkpoint, or new with
// --fresh or when there is none, and which settings a resumed run keeps.
//
// A resumed run is the run in the checkpoint, so it keeps every setting that
// shapes its model or its data. A flag given for one of those settings that
// differs from the checkpoint is logged as a warning naming the flag and
// --fresh, and has no effect. The flags that only change the schedule,
// --epochs and --lr, apply when given, so a finished run can train longer
// and a run can continue from its last checkpoint with a lower learning rate
// after it diverged. --backend always applies, because it describes how this
// machine computes, not what the run is.
//
// A run of a model file resumes only while the file is the one the
// checkpoint's run imported, byte for byte (model-file-resume.ts). Otherwise
// a new run starts, and the checkpoint is kept as an earlier run.

import type { RunConfig } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import { FIRST_RUN_REASON, RunHistory } from '../broadcast/run-history';
import type { HostOptions } from '../cli/options';
import type { Logger } from '../log';
import type { RunFeed } from '../run/run-manager';
import { keepEarlierRun, loadLatestCheckpoint } from './store';
import type { LoadedCheckpoint } from './store';
import { modelFileChange } from './model-file-resume';

/** The configuration a run starts with and the checkpoint it continues, or null for a new run. */
export interface RunStart {
  config: RunConfig;
  resume: LoadedCheckpoint | null;
}

/** A flag whose value differs between the command line and the checkpoint. */
export interface SettingChange {
  flag: string;
  /** Value on the command line. */
  given: string;
  /** Value in the checkpoint. */
  saved: string;
}

/** The command-line flag of each run setting, for messages and for knowing which settings the streamer gave. */
const FLAG_OF_SETTING: { [Key in keyof RunConfig]-?: string } = {
  dataset: 'dataset',
  shapesCount: 'shapes-count',
  model: 'model',
  hidden: 'hidden',
  latent: 'latent',
  loss: 'loss',
  optimizer: 'optimizer',
  learningRate: 'lr',
  epsilon: 'epsilon',
  batchSize: 'batch-size',
  epochs: 'epochs',
  validationSplit: 'validation-split',
  seed: 'seed',
  backend: 'backend',
  denoise: 'denoise',
  modelFile: 'model-file',
};

/** Settings that a given flag changes on a resumed run, because they change only how long or how fast it trains. */
const SCHEDULE_SETTINGS: ReadonlySet<keyof RunConfig> = new Set(['epochs', 'learningRate']);

/** Settings that always come from the command line, because they describe the machine rather than the run. */
const MACHINE_SETTINGS: ReadonlySet<keyof RunConfig> = new Set(['backend']);

/**
 * Decides how the run starts. With --fresh a new run starts, and the current
 * checkpoint is kept under another name. Otherwise a usable current
 * checkpoint is resumed, with the settings described at the top of this file,
 * unless its model file changed: then it is kept too, and a new run starts.
 */
export async function openRun(options: Pick<HostOptions, 'run' | 'stateDir' | 'fresh' | 'explicitFlags'>, log: Logger): Promise<RunStart> {
  if (options.fresh) {
    await keepEarlierRun(options.stateDir, log);
    log.info('starting a new run, as --fresh asks');
    return { config: options.run, resume: null };
  }

  const loaded = await loadLatestCheckpoint(options.stateDir, log);
  if (!loaded) return { config: options.run, resume: null };

  const modelChange = await modelFileChange(loaded.checkpoint, options.run, options.explicitFlags);
  if (modelChange?.settings === 'flags') return startInsteadOfResuming(options.stateDir, options.run, modelChange.reason, log);

  const { config, kept, applied } = resumedConfig(loaded.checkpoint.config, options.run, options.explicitFlags);
  for (const change of kept) {
    log.warn(
      { flag: change.flag, given: change.given, saved: change.saved },
      `--${change.flag} ${change.given} differs from the checkpoint's ${change.saved}; resuming with ${change.saved}. ` +
        'Pass --fresh to start a new run with your flags; the checkpoint is kept.',
    );
  }
  for (const change of applied) log.info({ flag: change.flag, given: change.given, saved: change.saved }, `--${change.flag} changes from ${change.saved} to ${change.given}`);
  if (modelChange) return startInsteadOfResuming(options.stateDir, config, modelChange.reason, log);

  const { state, runId } = loaded.checkpoint;
  log.info({ checkpoint: loaded.path, runId, epoch: state.epoch, step: state.step }, `resuming run ${runId} after epoch ${state.epoch}, step ${state.step}`);
  return { config, resume: loaded };
}

/**
 * Merges the command line's run settings into a checkpoint's. Returns the
 * configuration to resume with, the given flags whose value the checkpoint
 * overrules (`kept`, because the checkpoint's value is kept) and the given
 * flags that change it (`applied`).
 */
export function resumedConfig(saved: RunConfig, flags: RunConfig, explicitFlags: ReadonlySet<string>): { config: RunConfig; kept: SettingChange[]; applied: SettingChange[] } {
  const config: Record<string, unknown> = { ...saved };
  const kept: SettingChange[] = [];
  const applied: SettingChange[] = [];

  for (const key of Object.keys(FLAG_OF_SETTING) as (keyof RunConfig)[]) {
    const flag = FLAG_OF_SETTING[key];
    const given = explicitFlags.has(flag);
    const differs = settingText(flags[key]) !== settingText(saved[key]);

    if (MACHINE_SETTINGS.has(key) || (given && SCHEDULE_SETTINGS.has(key))) {
      config[key] = flags[key];
      if (given && differs) applied.push(change(flag, flags[key], saved[key]));
    } else if (given && differs) {
      kept.push(change(flag, flags[key], saved[key]));
    }
  }
  return { config: config as unknown as RunConfig, kept, applied };
}

/** Creates the history of the run that `start` describes, with the checkpoint's losses, epochs and reconstructions when it resumes. */
export function historyFor(start: RunStart): RunHistory {
  if (!start.resume) return new RunHistory(start.config);

  const { checkpoint } = start.resume;
  const reason = `${FIRST_RUN_REASON}, resumed after epoch ${checkpoint.state.epoch} from a checkpoint`;
  const history = new RunHistory(start.config, reason, { runId: checkpoint.runId, runStartedAt: checkpoint.savedAt - checkpoint.elapsedMs });
  history.losses.appendColumns(checkpoint.history.losses);
  checkpoint.history.epochs.forEach((summary) => history.addEpoch(summary));
  history.probes = checkpoint.history.probes;
  history.reconstructions = checkpoint.history.reconstructions;
  return history;
}

/**
 * Moves a resumed worker's clock to the run's: the worker counts time from
 * its own start, and the run had trained for `offsetMs` before it. Step
 * times then continue from the checkpoint, and the start time moves back by
 * as much, so that start time plus step time is still the wall-clock time of
 * the step.
 */
export function continueRunTime(event: WorkerEvent, offsetMs: number): WorkerEvent {
  if (offsetMs === 0) return event;
  if (event.type === 'ready') return { ...event, runStartedAt: event.runStartedAt - offsetMs };
  if (event.type === 'steps') return { ...event, points: event.points.map((point) => ({ ...point, elapsedMs: point.elapsedMs + offsetMs })) };
  return event;
}

/**
 * Wraps `feed` so that the step times of a run resumed after `offsetMs` of
 * training continue from the checkpoint, as continueRunTime describes. A run
 * that a restart starts later begins its clock at 0.
 */
export function continuingRunFeed(feed: RunFeed, offsetMs: number): RunFeed {
  let offset = offsetMs;
  return {
    handle: (event) => feed.handle(continueRunTime(event, offset)),
    startRun: (config, reason) => {
      offset = 0;
      feed.startRun(config, reason);
    },
    statusChanged: () => feed.statusChanged(),
  };
}

/** Keeps the current checkpoint as an earlier run and starts a new run with `config`, logging why. */
async function startInsteadOfResuming(stateDir: string, config: RunConfig, reason: string, log: Logger): Promise<RunStart> {
  log.warn({ reason, modelFile: config.modelFile }, `not resuming the checkpoint, because ${reason}; starting a new run and keeping the checkpoint`);
  await keepEarlierRun(stateDir, log);
  return { config, resume: null };
}

function change(flag: string, given: unknown, saved: unknown): SettingChange {
  return { flag, given: settingText(given), saved: settingText(saved) };
}

/** Formats a setting as it is written on the command line. */
function settingText(value: unknown): string {
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : 'none';
  if (value === null) return 'none';
  return String(value);
}
