// Entry point of `npm run train`: trains a run without a server, with the
// same worker, checkpoints and resume as the host, and exports the result.
// Progress and the result go to standard output, log lines to standard error.

import { mkdir } from 'node:fs/promises';
import { relative } from 'node:path';

import type { WorkerEvent } from '../../shared/worker-messages';
import type { RunHistory } from '../broadcast/run-history';
import { exportCheckpoint } from '../checkpoints/export/export-files';
import { continueRunTime, historyFor, openRun } from '../checkpoints/resume';
import type { RunStart } from '../checkpoints/resume';
import { CheckpointScheduler } from '../checkpoints/scheduler';
import { currentCheckpointPath, readCheckpoint, setAsideCheckpoint } from '../checkpoints/store';
import { createLogger } from '../log';
import type { Logger } from '../log';
import { TrainerStartError, TrainerThread } from '../trainer/trainer-thread';
import { historyRecorder } from './history-recorder';
import { parseTrainOptions, RESULT_PREFIX, trainHelpText } from './offline-options';
import type { TrainOptions } from './offline-options';
import { OptionsError } from './options';
import { TrainingProgress } from './progress';

/** Exit codes: a bad flag as most command-line tools report it, and an interrupt as shells do (128 + SIGINT). */
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

/** Maximum time of the final save, longer than on Ctrl+C because no user is waiting for the process to stop. */
const FINAL_SAVE_MS = 30_000;

type Outcome = { kind: 'finished' } | { kind: 'diverged' } | { kind: 'failed'; message: string } | { kind: 'interrupted' };

/** A started run: its worker, history, checkpoints and progress display. */
interface Session {
  trainer: TrainerThread;
  history: RunHistory;
  checkpoints: CheckpointScheduler;
  progress: TrainingProgress;
  /** Resolves when the run finishes, diverges or fails. */
  ended: Promise<Outcome>;
}

let options: TrainOptions | 'help';
try {
  options = parseTrainOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof OptionsError)) throw error;
  console.error(`latentcast train: ${error.message}`);
  process.exit(EXIT_USAGE);
}
if (options === 'help') {
  console.log(trainHelpText());
  process.exit(0);
}

const log = createLogger(options.host.logLevel, options.host.logFormat ?? (process.stderr.isTTY ? 'pretty' : 'json'), 'stderr');
try {
  process.exit(await train(options, log));
} catch (error) {
  log.error({ err: error }, 'training failed');
  console.error(`latentcast train: ${(error as Error).message}`);
  process.exit(1);
}

/** Trains the run to its end or an interrupt and returns the exit code. */
async function train({ host, out }: TrainOptions, logger: Logger): Promise<number> {
  await mkdir(host.stateDir, { recursive: true });
  const session = await startSession(host, await openRun(host, logger), logger);
  const interrupted = firstSignal(logger).then((): Outcome => ({ kind: 'interrupted' }));
  const outcome = await Promise.race([session.ended, interrupted]);

  const code = await finish(session, outcome, host.stateDir, out);
  session.checkpoints.close();
  await session.trainer.stop();
  return code;
}

/**
 * Starts the worker on `start`. When it cannot resume the checkpoint, starts
 * once more with a new run, and sets the checkpoint aside only if that works.
 */
async function startSession(host: TrainOptions['host'], start: RunStart, logger: Logger): Promise<Session> {
  try {
    return await startWorker(host, start, logger);
  } catch (error) {
    if (!start.resume || !(error instanceof TrainerStartError)) throw error;
    logger.warn({ checkpoint: start.resume.path, err: error.message }, 'the training worker could not resume the checkpoint; trying a new run');
    const session = await startWorker(host, { config: host.run, resume: null }, logger);
    await setAsideCheckpoint(start.resume.path, `the training worker could not resume it: ${error.message}`, logger);
    return session;
  }
}

async function startWorker(host: TrainOptions['host'], start: RunStart, logger: Logger): Promise<Session> {
  const { config, resume } = start;
  const history = historyFor(start);
  const progress = new TrainingProgress(process.stdout, config.epochs, config.batchSize, history.epochs.at(-1) ?? null);
  if (resume) progress.line(`Resuming run ${history.runId} after epoch ${resume.checkpoint.state.epoch} from ${resume.path}`);
  else progress.line(`Starting run ${history.runId}`);

  const trainer = new TrainerThread({
    config,
    reconstructionEvery: host.reconstructionEvery,
    resume: resume?.checkpoint.state ?? null,
    trainThreads: host.trainThreads,
  });
  const record = historyRecorder(history);
  const runTimeBefore = resume?.checkpoint.elapsedMs ?? 0;
  const checkpoints = new CheckpointScheduler({
    requestState: (timeoutMs) => trainer.checkpoint(timeoutMs),
    history,
    stateDir: host.stateDir,
    every: host.checkpointEvery,
    minIntervalMs: host.checkpointInterval * 1000,
    flushHistory: () => {},
    resumedFrom: resume?.checkpoint.state ?? null,
    log: logger,
  });
  trainer.on('event', (workerEvent) => {
    const event = continueRunTime(workerEvent, runTimeBefore);
    record(event);
    progress.handle(event);
    checkpoints.handle(event);
  });

  const ended = runEnd(trainer);
  try {
    await trainer.ready;
  } catch (error) {
    checkpoints.close();
    await trainer.stop();
    throw error;
  }
  return { trainer, history, checkpoints, progress, ended };
}

/** Saves, exports and reports according to how the run ended; returns the exit code. */
async function finish(session: Session, outcome: Outcome, stateDir: string, out: string): Promise<number> {
  const { checkpoints, history, progress } = session;
  switch (outcome.kind) {
    case 'interrupted': {
      const path = await checkpoints.saveNow('training was interrupted');
      const { epoch, step } = checkpoints.saved;
      if (path) progress.line(`Interrupted. Saved a checkpoint after epoch ${epoch}, step ${step}; run the same command to continue from it.`);
      else progress.line('Interrupted. No checkpoint was saved; see the log.');
      return EXIT_INTERRUPTED;
    }
    case 'diverged':
      // The progress display has printed the reason.
      progress.line(`Nothing was exported. The last checkpoint stays in ${stateDir}; run again with a lower --lr to continue from it.`);
      return 1;
    case 'failed':
      progress.line(`Training failed: ${outcome.message}`);
      return 1;
    case 'finished':
      return exportFinishedRun(session, stateDir, out);
  }
}

/** Saves the final checkpoint, exports it into `out`, lists the files and prints the result line. */
async function exportFinishedRun(session: Session, stateDir: string, out: string): Promise<number> {
  const { checkpoints, history, progress } = session;
  await checkpoints.saveNow('training finished', FINAL_SAVE_MS);
  const finalStep = history.status(0).step;
  if (checkpoints.saved.step !== finalStep) {
    progress.line(`Training finished at step ${finalStep}, but its checkpoint could not be saved; see the log. Nothing was exported.`);
    return 1;
  }

  const checkpointPath = currentCheckpointPath(stateDir);
  const files = await exportCheckpoint(await readCheckpoint(checkpointPath), out);
  progress.line(`Wrote ${files.length} files to ${out}:`);
  for (const file of files) progress.line(`  ${relative(out, file)}`);
  progress.line(RESULT_PREFIX + JSON.stringify(result(history, checkpointPath, out)));
  return 0;
}

/** Builds the machine-readable summary of a finished run. */
function result(history: RunHistory, checkpoint: string, out: string) {
  const status = history.status(0);
  const lastEpoch = history.epochs.at(-1);
  return {
    epoch: status.epoch,
    epochs: status.epochs,
    step: status.step,
    trainLoss: lastEpoch?.trainLoss ?? null,
    validationLoss: lastEpoch?.validationLoss ?? null,
    loss: history.config.loss,
    dataset: status.dataset?.name ?? history.config.dataset,
    model: status.model,
    layerSizes: status.layerSizes,
    backend: status.backend?.name ?? null,
    runId: history.runId,
    checkpoint,
    out,
  };
}

/** Resolves when the worker reports the end of the run: finished, diverged, failed, or gone. */
function runEnd(trainer: TrainerThread): Promise<Outcome> {
  return new Promise((resolve) => {
    trainer.on('event', (event: WorkerEvent) => {
      if (event.type === 'state' && event.state === 'finished') resolve({ kind: 'finished' });
      if (event.type === 'state' && event.state === 'diverged') resolve({ kind: 'diverged' });
      if (event.type === 'fatal') resolve({ kind: 'failed', message: event.message });
    });
    trainer.on('exit', (code) => resolve({ kind: 'failed', message: `the training worker exited with code ${code}` }));
  });
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once, without saving. */
function firstSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        logger.warn({ signal }, 'second signal, exiting without saving');
        process.exit(EXIT_INTERRUPTED);
      }
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
