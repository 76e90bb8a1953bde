// Writes the content of a checkpoint as files for use outside latentcast: the
// models for TensorFlow.js, a sheet of reconstructions and the loss history.
//
//   OUT/encoder/model.json + weights.bin       image (784 pixels) to latent vector
//   OUT/decoder/model.json + weights.bin       latent vector to image
//   OUT/autoencoder/model.json + weights.bin   image to reconstruction
//   OUT/reconstructions.png                    probe images (top row) over their reconstructions
//   OUT/loss-steps.csv                         step, loss, elapsed_ms
//   OUT/loss-epochs.csv                        epoch, step, train_loss, validation_loss, seconds, images_per_second
//   OUT/run.json                               run configuration, epoch, step and final losses

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { EXPORT_PARTS, exportLayersModel, WEIGHTS_FILE } from '../../export/layers-model';
import type { ExportSnapshots } from '../../export/layers-model';
import type { Checkpoint } from '../checkpoint';
import { epochLossCsv, stepLossCsv } from './loss-csv';
import { reconstructionSheet } from './reconstruction-sheet';

/** Writes every export file of `checkpoint` into `outDir`, creating it, and returns the paths written, in order. */
export async function exportCheckpoint(checkpoint: Checkpoint, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const write = async (path: string, data: string | Uint8Array) => {
    await writeFile(path, data);
    written.push(path);
  };

  await useCpuBackend();
  const snapshots = snapshotsOf(checkpoint);
  for (const part of EXPORT_PARTS) {
    const { modelJson, weightData } = await exportLayersModel(tf, part, snapshots);
    await mkdir(join(outDir, part), { recursive: true });
    await write(join(outDir, part, 'model.json'), JSON.stringify(modelJson));
    await write(join(outDir, part, WEIGHTS_FILE), weightData);
  }

  const { probes, reconstructions } = checkpoint.history;
  if (probes && reconstructions) await write(join(outDir, 'reconstructions.png'), await reconstructionSheet(probes, reconstructions));
  await write(join(outDir, 'loss-steps.csv'), stepLossCsv(checkpoint.history.losses));
  await write(join(outDir, 'loss-epochs.csv'), epochLossCsv(checkpoint.history.epochs));
  await write(join(outDir, 'run.json'), `${JSON.stringify(runSummary(checkpoint), null, 2)}\n`);
  return written;
}

/** Converts the checkpoint's encoder and decoder to ModelSnapshots, the form the LayersModel writer takes. */
function snapshotsOf(checkpoint: Checkpoint): ExportSnapshots {
  const { state, topology } = checkpoint;
  return {
    encoder: { step: state.step, topology: topology.encoder, weights: state.encoder },
    decoder: { step: state.step, topology: topology.decoder, weights: state.decoder },
  };
}

/** Builds the content of run.json: enough to tell which run, and which point of it, the files come from. */
function runSummary(checkpoint: Checkpoint) {
  const lastEpoch = checkpoint.history.epochs.at(-1) ?? null;
  return {
    runId: checkpoint.runId,
    savedAt: new Date(checkpoint.savedAt).toISOString(),
    epoch: checkpoint.state.epoch,
    step: checkpoint.state.step,
    trainLoss: lastEpoch?.trainLoss ?? null,
    validationLoss: lastEpoch?.validationLoss ?? null,
    reconstructionStep: checkpoint.history.reconstructions?.step ?? null,
    config: checkpoint.config,
  };
}

/**
 * Selects the CPU backend: the export builds three small models once, and
 * production mode keeps TensorFlow.js from printing its "install tfjs-node" banner.
 */
async function useCpuBackend(): Promise<void> {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
}
