// The host: one HTTP server with the pages, the API, the gallery, polls and
// the WebSocket hub, fed by the training worker that the RunManager owns.
// `startHost` is what `npm start` runs and what tests start on loopback.

import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ClientMessageType } from '../shared/protocol/client-messages';
import type { Topic } from '../shared/protocol/topics';
import type { ModelFileFailure } from '../shared/training';
import { BroadcastHub } from './broadcast/hub';
import type { ClientRequestHandler, HubOptions } from './broadcast/hub';
import type { RunHistory } from './broadcast/run-history';
import { TrainingFeed } from './broadcast/training-feed';
import { continuingRunFeed, historyFor, openRun } from './checkpoints/resume';
import type { RunStart } from './checkpoints/resume';
import { CheckpointScheduler } from './checkpoints/scheduler';
import { setAsideCheckpoint } from './checkpoints/store';
import type { HostOptions } from './cli/options';
import { modelRoutes } from './export/routes';
import { ApprovalSetting } from './gallery/approval';
import { Gallery } from './gallery/gallery';
import { hostRoutes } from './gallery/host-routes';
import { ViewerIdentity } from './gallery/identity';
import { galleryRoutes } from './gallery/routes';
import { gallerySocketHandler } from './gallery/socket-requests';
import { createApp } from './http/app';
import { hostApi } from './http/host-api';
import { HOST_TOKEN_FILE, HostToken } from './http/host-auth';
import { HostMetrics } from './http/metrics';
import { shareLinkRoutes } from './http/share-links';
import { watchModelFile } from './live/model-file-status';
import type { ModelFileWatcher } from './live/model-watcher';
import type { Logger } from './log';
import { pollHostRoutes } from './polls/host-routes';
import { Polls } from './polls/polls';
import { pollRoutes } from './polls/routes';
import { pollSocketHandler } from './polls/socket-requests';
import { runRoutes } from './run/host-routes';
import { RunStartError } from './run/run-control';
import { RunManager } from './run/run-manager';
import { mainThreadTensorFlow } from './tensorflow/main-thread';
import { TrainerStartError } from './trainer/trainer-thread';

export interface Host {
  /** Viewer page address, such as http://127.0.0.1:3000/. */
  url: string;
  port: number;
  history: RunHistory;
  /** The feed that turns training events into broadcasts; a companion host receives its events through it. */
  feed: TrainingFeed;
  /** Owner of the training worker: pause, resume, live settings, restarts; `runs.current` is the worker. */
  runs: RunManager;
  /** Saves the current run's checkpoints in the state folder. */
  checkpoints: CheckpointScheduler;
  /** The shared gallery: its database, decoder batcher and broadcasts. */
  gallery: Gallery;
  /** Viewer polls: their database, votes, broadcasts and the run settings they change. */
  polls: Polls;
  /** The token that `/api/host/...` calls need. */
  hostToken: HostToken;
  /** Saves a checkpoint, stops training, closes every connection and the server. */
  close(): Promise<void>;
}

/** Raised when the host cannot listen, for example because the port is taken. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** Source of the training events: the host's training worker, or the caller through `Host.feed`, as startCompanion does. */
export type TrainingSource = 'worker' | 'external';

/**
 * Starts the host on the state folder's checkpoint, or on a new run. When the
 * training worker cannot resume the checkpoint, the host starts once more
 * with a new run. If that works, the checkpoint was at fault and is set
 * aside. Otherwise the checkpoint stays and the new run's error is thrown.
 * A host whose training is `external` resumes nothing, because its script
 * owns the models.
 */
export async function startHost(
  options: HostOptions,
  log: Logger,
  hubOptions: Partial<HubOptions> = {},
  source: TrainingSource = 'worker',
): Promise<Host> {
  await createStateDir(options.stateDir);
  if (source === 'external') return startRun(options, { config: options.run, resume: null }, log, hubOptions, source);

  const start = await openRun(options, log);
  try {
    return await startRun(options, start, log, hubOptions, source);
  } catch (error) {
    if (!start.resume || !(error instanceof TrainerStartError)) throw error;
    log.warn({ checkpoint: start.resume.path, err: error.message }, 'the training worker could not resume the checkpoint; trying a new run');
    const host = await startRun(options, { config: options.run, resume: null }, log, hubOptions, source);
    await setAsideCheckpoint(start.resume.path, `the training worker could not resume it: ${error.message}`, log);
    return host;
  }
}

async function startRun(options: HostOptions, start: RunStart, log: Logger, hubOptions: Partial<HubOptions>, source: TrainingSource): Promise<Host> {
  const { resume } = start;
  const history = historyFor(start);
  const metrics = new HostMetrics();
  const feed = new TrainingFeed(history, log, metrics, options.topicRates);

  const identity = await ViewerIdentity.load(options.stateDir);
  const hostToken = await HostToken.load(options.stateDir, log);
  // The latent size follows the current run, which a restart may change.
  const run = { get latent() { return history.config.latent; }, decoderWeights: () => history.decoderWeights, runId: () => history.runId };
  const approval = await ApprovalSetting.load(options.stateDir, log);
  const galleryOptions = { stateDir: options.stateDir, limits: options.galleryLimits, talliesPerSecond: options.topicRates.gallery, approval };
  const gallery = new Gallery(galleryOptions, run, metrics, log);
  const galleryHttp = {
    identity: identity.middleware(),
    routes: galleryRoutes(gallery, hostToken, metrics, log),
  };
  const runs = new RunManager({
    history,
    feed: continuingRunFeed(feed, resume?.checkpoint.elapsedMs ?? 0),
    log,
    reconstructionEvery: options.reconstructionEvery,
    trainThreads: options.trainThreads,
    resume: resume?.checkpoint.state ?? null,
    ...(source === 'external' && { startTrainer: refuseWorker }),
  });
  const checkpoints = new CheckpointScheduler({
    requestState: (timeoutMs) => runs.current.checkpoint(timeoutMs),
    history,
    stateDir: options.stateDir,
    every: options.checkpointEvery,
    minIntervalMs: options.checkpointInterval * 1000,
    flushHistory: () => feed.flush(),
    resumedFrom: resume?.checkpoint.state ?? null,
    log,
  });
  // An external source saves no checkpoints, because its script owns the models.
  if (source === 'worker') runs.on('event', (event) => checkpoints.handle(event));
  const pollOptions = { stateDir: options.stateDir, limits: options.galleryLimits, talliesPerSecond: options.topicRates.polls };
  const polls = new Polls(pollOptions, (viewerId) => gallery.store.isBanned(viewerId), metrics.registry, log);
  polls.attachRunControl(runs);
  const hostParts = [runRoutes(runs, history, () => hub.viewerCount, log), hostRoutes(gallery, hostToken), pollHostRoutes(polls), shareLinkRoutes(options.host)];
  const hostRouter = hostApi(hostToken, hostParts);

  // Started now so that its log line comes at start; gallery decodes and exports wait for it.
  void mainThreadTensorFlow(log);
  const models = modelRoutes({ encoder: () => history.encoderWeights, decoder: () => history.decoderWeights }, log);
  const app = createApp(() => history.status(hub.viewerCount), metrics, galleryHttp, log, models, hostRouter, pollRoutes(polls));
  const server: Server = createServer(app);
  const topicSnapshot = (topic: Topic, seq: number): Uint8Array[] => {
    if (topic === 'gallery') return gallery.feed.snapshotFrames(seq);
    if (topic === 'polls') return polls.feed.snapshotFrames(seq);
    return history.topicSnapshot(topic, seq);
  };
  const snapshot = { hello: (seq: number) => history.helloFrame(seq, hub.viewerCount), topic: topicSnapshot };
  const hubLimits = { ...options.hub, ...hubOptions };
  const gallerySubmissions = gallerySocketHandler(gallery, identity, log);
  const pollVotes = pollSocketHandler(polls, identity);
  const requests: ClientRequestHandler = (request, sender) =>
    request.type === ClientMessageType.PollVote ? pollVotes(request, sender) : gallerySubmissions(request, sender);
  const hub: BroadcastHub = new BroadcastHub(server, log, metrics, snapshot, () => feed.statusChanged(), hubLimits, requests);
  feed.attach(hub);
  gallery.feed.attach(hub);
  polls.feed.attach(hub);

  let port: number;
  try {
    port = await listen(server, options.port, options.host);
  } catch (error) {
    polls.close();
    gallery.close();
    throw error;
  }
  const url = `http://${displayHost(options.host)}:${port}/`;
  log.info({ url, stateDir: options.stateDir }, 'host listening');
  showModerationLink(log, `${url}host`, hostToken.value, join(options.stateDir, HOST_TOKEN_FILE));

  let watcher: ModelFileWatcher | null = null;
  const close = async () => {
    await watcher?.close();
    await checkpoints.saveNow('the host is stopping');
    checkpoints.close();
    await runs.stop();
    feed.close();
    await hub.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    polls.close();
    gallery.close();
    log.info('host stopped');
  };

  if (source === 'external') return { url, port, history, feed, runs, checkpoints, gallery, polls, hostToken, close };
  try {
    await runs.start();
  } catch (error) {
    // The feed has logged the worker's error as it arrived.
    await close();
    throw error;
  }
  // Every later run replaces the first, and the run it replaces keeps its checkpoint under its own name.
  runs.on('run', () => void checkpoints.startRun());
  watcher = await watchRunModelFile(options, history, runs, feed, log);
  return { url, port, history, feed, runs, checkpoints, gallery, polls, hostToken, close };
}

/**
 * Watches the model file of the run that started, so that each save starts a
 * new run. With --model-file that is the given file, because openRun resumes
 * no checkpoint of another model.
 */
async function watchRunModelFile(options: HostOptions, history: RunHistory, runs: RunManager, feed: TrainingFeed, log: Logger): Promise<ModelFileWatcher | null> {
  const { model, modelFile } = history.config;
  if (model !== 'file' || !modelFile) return null;

  const target = { setFailure: (failure: ModelFileFailure | null) => ((history.modelFileError = failure), feed.statusChanged()) };
  return watchModelFile({ file: modelFile, control: runs, target, showOnOverlay: options.showErrorsOnOverlay, log });
}

/** Rejects every new run of a companion host, whose script trains: a worker would import the script itself as a model file. */
function refuseWorker(): never {
  throw new RunStartError('the training script trains this model; change it in the script and run model.fit again.');
}

/**
 * Prints the moderation link with the host token on the streamer's terminal,
 * once per start. It goes around the logger, because log lines end up in
 * files and log shippers, and the token must not.
 */
function showModerationLink(log: Logger, pageUrl: string, token: string, tokenPath: string): void {
  if (process.stderr.isTTY) {
    process.stderr.write(`\nModeration page (keep this link private, it carries the host token):\n  ${pageUrl}#token=${token}\n\n`);
    log.info({ page: pageUrl }, 'moderation link with the host token printed on the terminal');
  } else {
    log.info({ page: pageUrl, tokenFile: tokenPath }, 'moderation page; the host token is in the token file');
  }
}

/** Raised when the state folder cannot be created or written. */
export class StateDirError extends Error {
  override name = 'StateDirError';
}

async function createStateDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
    await access(path, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'EEXIST' || code === 'ENOTDIR' ? 'is a file, or is inside one' : `cannot be created or written (${code ?? (error as Error).message})`;
    throw new StateDirError(`--state-dir ${path} ${problem}; pass a folder this user can write, such as ./var.`);
  }
}

/** Listens on `port`, turning "address in use" and friends into a message with a fix. */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new ListenError(`port ${port} on ${host} is already in use; stop the other program or pass --port with a free port, such as --port ${port + 1}.`));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(new ListenError(`--host ${host} is not an address of this machine; use 127.0.0.1, or 0.0.0.0 for every interface.`));
      } else if (error.code === 'EACCES') {
        reject(new ListenError(`port ${port} needs extra privileges; use a port above 1023, such as --port 3000.`));
      } else {
        reject(error);
      }
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Returns the address to print for viewers, since a browser cannot open 0.0.0.0. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
