// Training control for the host panel under /api/host/run: the run's state
// and history, pause, resume, start, reset and settings. The host API router
// checks the host token before any of these run. A restart responds once the
// new run trains, or with the reason it failed while the old run goes on.

import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';

import type { RunConfig, TrainingState } from '../../shared/training';
import type { WorkerEvent } from '../../shared/worker-messages';
import type { RunHistory } from '../broadcast/run-history';
import type { Logger } from '../log';
import { RestartSupersededError, type RunManager } from './run-manager';
import { RunStartError } from './run-control';
import { describeChanges, planChange, readSettingsChange, SettingsError } from './settings-change';

/** Largest JSON body of a settings change. */
const MAX_BODY_BYTES = 8 * 1024;

/** Milliseconds a pause or resume waits for the worker to confirm the new state before responding with 202. */
const STATE_WAIT_MS = 5000;

/** Suffix of the start reasons that the host panel causes, so viewers can tell them from polls and file reloads. */
const PANEL = 'host panel';

export function runRoutes(runs: RunManager, history: RunHistory, viewers: () => number, log: Logger): Router {
  const router = express.Router();
  const overview = () => ({
    status: history.status(viewers()),
    config: history.config,
    pendingRestart: runs.pending,
    lastRejection: runs.lastRejection,
    earlierRuns: history.earlierRuns,
  });

  router.get('/run', (_request, response) => {
    response.set('Cache-Control', 'no-store').json(overview());
  });

  router.post('/run/pause', async (_request, response) => {
    await changeState(response, 'pause', ['training'], 'paused');
  });

  router.post('/run/resume', async (_request, response) => {
    await changeState(response, 'resume', ['paused', 'diverged'], 'training');
  });

  router.post('/run/start', async (_request, response) => {
    const state = history.status(0).state;
    if (state !== 'finished' && state !== 'stopped') {
      conflict(response, `the run is ${state}; Start begins a new run after one finished or stopped, so use Resume or Reset instead`);
      return;
    }
    await restart(response, {}, `started again with the same settings (${PANEL})`);
  });

  router.post('/run/reset', async (_request, response) => {
    await restart(response, {}, `reset to fresh weights (${PANEL})`);
  });

  router.patch('/run/settings', express.json({ limit: MAX_BODY_BYTES, strict: false }), async (request, response) => {
    if (!request.is('application/json')) {
      response.status(400).json({ error: 'send the settings as JSON with Content-Type: application/json' });
      return;
    }

    const change = readSettingsChange(request.body);
    const plan = planChange(change, history.config);
    if (Object.keys(plan.restart).length > 0) {
      await restart(response, plan.restart, `${describeChanges(plan.restart, history.config)} (${PANEL})`);
    } else if (plan.learningRate !== null) {
      runs.update({ learningRate: plan.learningRate }, PANEL);
      response.json({ result: `learning rate set to ${plan.learningRate} from the next step on; the run goes on`, ...overview() });
    } else {
      response.json({ result: 'nothing changed; the run already has these settings', ...overview() });
    }
  });

  router.use((error: Error, _request: Request, response: Response, next: NextFunction) => {
    // The host API router handles malformed and oversized JSON bodies.
    if (error instanceof SettingsError) response.status(400).json({ error: error.message });
    else next(error);
  });

  async function changeState(response: Response, action: 'pause' | 'resume', from: TrainingState[], to: TrainingState): Promise<void> {
    const state = history.status(0).state;
    if (!from.includes(state)) {
      conflict(response, `the run is ${state}; ${action} applies only while it is ${from.join(' or ')}`);
      return;
    }

    const reached = waitForState(runs, to, STATE_WAIT_MS);
    runs[action]();
    log.info({ runId: history.runId, action }, `${action} requested from the host panel`);
    if (await reached) {
      response.json({ result: `${to} at step ${history.status(0).step}`, ...overview() });
    } else {
      response.status(202).json({ result: `${action} requested; the worker has not confirmed it yet`, ...overview() });
    }
  }

  async function restart(response: Response, changes: Partial<RunConfig>, reason: string): Promise<void> {
    try {
      await runs.restart(changes, reason);
      response.json({ result: `new run ${history.runId} started: ${reason}`, ...overview() });
    } catch (error) {
      if (!(error instanceof RunStartError)) throw error;
      const status = error instanceof RestartSupersededError ? 409 : 422;
      response.status(status).json({ error: error.message, location: error.location ?? null, ...overview() });
    }
  }

  return router;
}

function conflict(response: Response, message: string): void {
  response.status(409).json({ error: message });
}

/** Resolves true when the current run reports `state` within `timeoutMs`, false otherwise. */
function waitForState(runs: RunManager, state: TrainingState, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const listener = (event: WorkerEvent) => {
      if (event.type === 'state' && event.state === state) finish(true);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const finish = (reached: boolean) => {
      clearTimeout(timer);
      runs.off('event', listener);
      resolve(reached);
    };
    runs.on('event', listener);
  });
}
