// Copies a LayersModel off the backend as a ModelSnapshot, the form in which
// weights leave the training worker for pages, the gallery and the exports.

import type * as tf from '@tensorflow/tfjs';

import type { ModelSnapshot, ModelTopology, WeightTensor } from '../../shared/training';

/** Topology of each model, built once: layers and their configs do not change while a model trains. */
const topologies = new WeakMap<tf.LayersModel, ModelTopology>();

/**
 * Returns the model's topology and a float32 copy of each of its weights, in
 * `getWeights()` order and named by their original names (the names
 * `model.save` writes and `tf.loadLayersModel` matches). Each tensor is read
 * with one transfer. It allocates no tensor, because `model.weights` reads
 * the variables themselves.
 */
export function modelSnapshot(model: tf.LayersModel, step: number): ModelSnapshot {
  return { step, topology: topologyOf(model), weights: model.weights.map(readWeight) };
}

function topologyOf(model: tf.LayersModel): ModelTopology {
  let topology = topologies.get(model);
  if (!topology) {
    topology = model.toJSON(null, false) as ModelTopology;
    topologies.set(model, topology);
  }
  return topology;
}

function readWeight(variable: tf.LayerVariable): WeightTensor {
  // A copy, because the CPU backend's dataSync returns the array it stores the variable in.
  const values = Float32Array.from(variable.read().dataSync());
  return { name: variable.originalName, shape: [...variable.shape] as number[], values };
}
