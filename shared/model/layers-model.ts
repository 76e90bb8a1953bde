// Rebuilds TensorFlow.js LayersModels from ModelSnapshots. The host and the
// pages each pass in their own TensorFlow.js instance, so this file only
// imports its types.

import type { ModelSnapshot } from '../training';

export type TensorFlow = typeof import('@tensorflow/tfjs');
export type LayersModel = import('@tensorflow/tfjs').LayersModel;

/** Raised for a snapshot whose weights do not fit its topology; the message names the tensor. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

/**
 * Builds the model that `snapshot.topology` describes and writes the
 * snapshot's weights into it. The caller owns the model and disposes it.
 * NOTE: a custom layer class loads only where `tf.serialization.registerClass`
 * registered it, which no page or host code does yet; such a model is rejected
 * with SnapshotError.
 */
export async function modelFromSnapshot(tf: TensorFlow, snapshot: ModelSnapshot): Promise<LayersModel> {
  let model: LayersModel;
  try {
    model = await tf.models.modelFromJSON(structuredClone(snapshot.topology) as Parameters<TensorFlow['models']['modelFromJSON']>[0]);
  } catch (error) {
    throw new SnapshotError(`the model topology does not load in TensorFlow.js: ${(error as Error).message}`);
  }

  try {
    writeSnapshotWeights(tf, model, snapshot);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/**
 * Writes the snapshot's weights into `model`, whose topology must be the
 * snapshot's. The temporary tensors are released before this returns, since
 * `setWeights` keeps the values, not the tensors.
 */
export function writeSnapshotWeights(tf: TensorFlow, model: LayersModel, snapshot: ModelSnapshot): void {
  const variables = model.weights;
  if (variables.length !== snapshot.weights.length) {
    throw new SnapshotError(`the snapshot has ${snapshot.weights.length} weight tensors but its model has ${variables.length}`);
  }
  snapshot.weights.forEach((weight, index) => {
    const expected = variables[index].shape;
    if (!sameShape(weight.shape, expected)) {
      throw new SnapshotError(`weight ${index + 1} (${weight.name}) has shape [${weight.shape}] but the model expects [${expected}]`);
    }
  });

  const tensors = snapshot.weights.map((weight) => tf.tensor(weight.values, weight.shape, 'float32'));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/** Returns a string that is equal for two snapshots exactly when their topologies are, so a model is rebuilt only when it must be. */
export function topologyKey(snapshot: ModelSnapshot): string {
  return JSON.stringify(snapshot.topology);
}

function sameShape(a: readonly number[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}
