// Presents the dense-only weight frames of protocol 2 as ModelSnapshots, the
// form the dashboard's weight tiles and network diagram read.
// TODO: delete this file once the weight frames carry ModelSnapshots (protocol 3), which the store then keeps as they are.

import type { ModelSnapshot, NetworkWeights } from '../../../shared/training';

const snapshots = new WeakMap<NetworkWeights, ModelSnapshot>();

/**
 * Returns `weights` as the snapshot of a Sequential model of Dense layers,
 * named `role_dense_N`, with a TensorFlow.js topology that
 * `tf.models.modelFromJSON` rebuilds. The same weights object always gets
 * the same snapshot object, so components see a change only with new weights.
 */
export function snapshotFromNetwork(weights: NetworkWeights | null, role: 'encoder' | 'decoder'): ModelSnapshot | null {
  if (weights === null) return null;
  let snapshot = snapshots.get(weights);
  if (snapshot === undefined) {
    snapshot = buildSnapshot(weights, role);
    snapshots.set(weights, snapshot);
  }
  return snapshot;
}

function buildSnapshot(weights: NetworkWeights, role: string): ModelSnapshot {
  const layers = weights.layers.map((layer, index) => ({
    class_name: 'Dense',
    config: {
      name: `${role}_dense_${index + 1}`,
      units: layer.units,
      activation: layer.activation,
      use_bias: true,
      ...(index === 0 ? { batch_input_shape: [null, layer.inputs] } : {}),
    },
  }));
  const tensors = weights.layers.flatMap((layer, index) => [
    { name: `${role}_dense_${index + 1}/kernel`, shape: [layer.inputs, layer.units], values: layer.kernel },
    { name: `${role}_dense_${index + 1}/bias`, shape: [layer.units], values: layer.bias },
  ]);
  return { step: weights.step, topology: { class_name: 'Sequential', config: { name: role, layers } }, weights: tensors };
}
