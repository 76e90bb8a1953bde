// Plain-JSON helpers for a LayersModel topology as `model.toJSON(null, false)`
// returns it, usable without loading TensorFlow.js.

import type { ModelTopology } from '../training';

/**
 * Config keys that only matter while training: how weights start, what
 * penalises them and what clamps them after an update. A model rebuilt for
 * inference gets its weights from a snapshot, so these keys change nothing
 * there. Dropped, they leave TensorFlow.js's defaults in place.
 */
const TRAINING_ONLY_KEY = /_(initializer|regularizer|constraint)$/;

/** Top-level keys that record the writer's versions; `tf.models.modelFromJSON` reads neither. */
const VERSION_KEYS = new Set(['keras_version', 'backend']);

/**
 * Returns a copy of `topology` without the keys that inference never reads
 * (initializers, regularizers, constraints and the writer's versions), for
 * the weight frames. The copy rebuilds the same forward pass with
 * `tf.models.modelFromJSON`. A constraint would otherwise be applied again
 * when `setWeights` writes the trained values, which already satisfy it.
 */
export function compactTopology(topology: ModelTopology): ModelTopology {
  const compact: ModelTopology = {};
  for (const [key, value] of Object.entries(topology)) {
    if (!VERSION_KEYS.has(key)) compact[key] = withoutTrainingKeys(value);
  }
  return compact;
}

/**
 * Returns the shape of the model's only input with the batch dimension left
 * out, such as [784] or [28, 28, 1], read from the InputLayer of a
 * functional model or the first layer of a Sequential one. Returns null when
 * the topology has no input shape or more than one input.
 */
export function topologyInputShape(topology: ModelTopology): number[] | null {
  const config = topology.config as { layers?: unknown; input_layers?: unknown } | undefined;
  const layers = Array.isArray(config?.layers) ? (config.layers as LayerJson[]) : null;
  if (!layers || layers.length === 0) return null;

  if (topology.class_name === 'Sequential') return batchInputShape(layers[0]);

  const inputs = Array.isArray(config?.input_layers) ? (config.input_layers as unknown[][]) : [];
  if (inputs.length !== 1) return null;
  const inputLayer = layers.find((layer) => layer.name === inputs[0][0]);
  return inputLayer ? batchInputShape(inputLayer) : null;
}

/** Returns the product of the sizes in `shape`: the number of values in one example. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

interface LayerJson {
  name?: string;
  config?: { batch_input_shape?: unknown };
}

/** Returns a layer's `batch_input_shape` without the batch dimension, or null when it has none. */
function batchInputShape(layer: LayerJson): number[] | null {
  const shape = layer.config?.batch_input_shape;
  if (!Array.isArray(shape) || shape.length < 2) return null;
  const dims = shape.slice(1);
  return dims.every((size) => Number.isInteger(size) && size > 0) ? (dims as number[]) : null;
}

/** Deep copy of a JSON value without training-only keys in any object. */
function withoutTrainingKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTrainingKeys);
  if (typeof value !== 'object' || value === null) return value;

  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (!TRAINING_ONLY_KEY.test(key)) copy[key] = withoutTrainingKeys(child);
  }
  return copy;
}
