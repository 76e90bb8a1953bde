// Read-only routes under /api/model/ that serve the latest snapshots as
// TensorFlow.js LayersModels: `tf.loadLayersModel(".../decoder/model.json")`
// works from a sketch on any origin.

import { createHash } from 'node:crypto';

import express from 'express';
import type { Request, Response, Router } from 'express';

import type { ModelSnapshot } from '../../shared/training';
import type { Logger } from '../log';
import { mainThreadTensorFlow } from '../tensorflow/main-thread';
import { EXPORT_PARTS, exportLayersModel } from './layers-model';
import type { ExportPart, ExportSnapshots } from './layers-model';

/** Latest full-precision snapshots, or null before the first. */
export interface SnapshotSource {
  encoder(): ModelSnapshot | null;
  decoder(): ModelSnapshot | null;
}

/**
 * Weights files kept per part. A sketch reads model.json and then the file it
 * names, and new snapshots arrive several times a second while training, so
 * the files of the last few exports stay available for that second request.
 */
const KEPT_WEIGHTS_FILES = 8;

/** Weights file names: a content hash, so a name always means the same bytes and caches can keep it. */
const WEIGHTS_FILE = /^weights-[0-9a-f]{16}\.bin$/;

/** One export of one part, as served. */
interface ServedExport {
  /** The snapshots the part was built from: the encoder's, the decoder's, or both in that order. */
  sources: ModelSnapshot[];
  modelJson: string;
  weightsFile: string;
  weightData: Uint8Array;
}

export function modelRoutes(source: SnapshotSource, log: Logger): Router {
  const router = express.Router();
  const exports = new ModelExports(source, log);

  // Sketches on other origins load these files, and they are the same for every reader.
  router.use((request, response, next) => {
    response.set('Access-Control-Allow-Origin', '*');
    if (request.method !== 'OPTIONS') return next();
    response.set({ 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': '*', 'Access-Control-Max-Age': '600' });
    response.status(204).end();
  });

  router.get('/:part/model.json', async (request, response) => {
    const part = readPart(request, response);
    if (!part) return;
    try {
      const served = await exports.latest(part);
      if (!served) {
        sendNoSnapshot(response, part);
        return;
      }
      response.set('Cache-Control', 'no-store').type('application/json').send(served.modelJson);
    } catch (error) {
      log.error({ err: error, part }, 'model export failed');
      response.status(500).json({ error: `the host failed to export the ${part}: ${(error as Error).message}` });
    }
  });

  router.get('/:part/:file', (request, response) => {
    const part = readPart(request, response);
    if (!part) return;
    const file = String(request.params.file);
    const weightData = WEIGHTS_FILE.test(file) ? exports.weightsFile(part, file) : null;
    if (!weightData) {
      response.status(404).json({ error: `no file ${file} for the ${part}; load /api/model/${part}/model.json again, it names the current weights file` });
      return;
    }
    response.set('Cache-Control', 'public, max-age=31536000, immutable').type('application/octet-stream').send(Buffer.from(weightData.buffer, weightData.byteOffset, weightData.byteLength));
  });

  router.use((request, response) => {
    response.status(404).json({ error: `no model route ${request.method} ${request.originalUrl}; try GET /api/model/decoder/model.json (or encoder, autoencoder)` });
  });
  return router;
}

/** The latest export of each part, made on the first request after a new snapshot, and the recent weights files. */
class ModelExports {
  private readonly latestByPart = new Map<ExportPart, Promise<ServedExport>>();
  private readonly filesByPart = new Map<ExportPart, Map<string, Uint8Array>>();

  constructor(
    private readonly source: SnapshotSource,
    private readonly log: Logger,
  ) {}

  /** Returns the export of the current snapshots, or null before the part has a snapshot. */
  async latest(part: ExportPart): Promise<ServedExport | null> {
    const snapshots = { encoder: this.source.encoder(), decoder: this.source.decoder() };
    const sources = partSources(part, snapshots);
    if (!sources) return null;

    const cached = this.latestByPart.get(part);
    if (cached) {
      const served = await cached.catch(() => null);
      if (served && served.sources.every((snapshot, i) => snapshot === sources[i])) return served;
    }

    // Concurrent requests for a new snapshot share one export.
    const made = this.make(part, snapshots, sources);
    this.latestByPart.set(part, made);
    return made;
  }

  weightsFile(part: ExportPart, file: string): Uint8Array | null {
    return this.filesByPart.get(part)?.get(file) ?? null;
  }

  private async make(part: ExportPart, snapshots: ExportSnapshots, sources: ModelSnapshot[]): Promise<ServedExport> {
    const { tf } = await mainThreadTensorFlow(this.log);
    const exported = await exportLayersModel(tf, part, snapshots);
    const weightsFile = `weights-${createHash('sha256').update(exported.weightData).digest('hex').slice(0, 16)}.bin`;
    exported.modelJson.weightsManifest[0].paths = [weightsFile];
    this.keepFile(part, weightsFile, exported.weightData);
    this.log.debug({ part, step: sources[sources.length - 1].step, weightsFile, bytes: exported.weightData.length }, 'model exported');
    return { sources, modelJson: JSON.stringify(exported.modelJson), weightsFile, weightData: exported.weightData };
  }

  private keepFile(part: ExportPart, name: string, data: Uint8Array): void {
    let files = this.filesByPart.get(part);
    if (!files) {
      files = new Map();
      this.filesByPart.set(part, files);
    }
    files.delete(name);
    files.set(name, data);
    // A Map iterates in insertion order, so the first key is the oldest.
    while (files.size > KEPT_WEIGHTS_FILES) files.delete(files.keys().next().value!);
  }
}

/** Returns the snapshots `part` is built from, or null when one of them has not arrived yet. */
function partSources(part: ExportPart, snapshots: ExportSnapshots): ModelSnapshot[] | null {
  const needed = part === 'autoencoder' ? [snapshots.encoder, snapshots.decoder] : [snapshots[part]];
  return needed.every((snapshot) => snapshot !== null) ? (needed as ModelSnapshot[]) : null;
}

function readPart(request: Request, response: Response): ExportPart | null {
  const part = String(request.params.part);
  if ((EXPORT_PARTS as readonly string[]).includes(part)) return part as ExportPart;
  response.status(404).json({ error: `no model part "${part}"; use one of ${EXPORT_PARTS.join(', ')}` });
  return null;
}

function sendNoSnapshot(response: Response, part: ExportPart): void {
  response
    .status(503)
    .set('Retry-After', '5')
    .json({ error: `the host has no ${part} weights yet; they arrive within seconds of training starting, so retry in a few seconds` });
}
