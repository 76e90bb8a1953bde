// Adadelta as Keras and PyTorch step it.
//
// TensorFlow.js 4.22's `tf.train.adadelta` divides each update by the
// gradient accumulator from before this step's gradient. Both accumulators
// start at zero, so they stay equal step after step and every update is
// exactly the gradient: the optimizer is plain SGD at the learning rate.
// This subclass divides by the updated accumulator, as Keras and PyTorch
// do, and keeps the parent's slots, so checkpoints and `getWeights` stay the
// same.

import * as tf from '@tensorflow/tfjs';

/** The parent's slot variables, which TensorFlow.js declares private. */
interface AdadeltaSlots {
  accumulatedGrads: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedUpdates: ({ originalName: string; variable: tf.Variable } | undefined)[];
}

type VariableGradients = Parameters<tf.AdadeltaOptimizer['applyGradients']>[0];

export class KerasAdadelta extends tf.AdadeltaOptimizer {
  /**
   * Applies one step to each variable v with gradient g, where a and u are the
   * running means of g² and of the update squared:
   *
   *   a ← ρ·a + (1 − ρ)·g²
   *   Δ = g · √(u + ε) / √(a + ε)
   *   u ← ρ·u + (1 − ρ)·Δ²
   *   v ← v − learningRate · Δ
   */
  override applyGradients(variableGradients: VariableGradients): void {
    const slots = this as unknown as AdadeltaSlots;
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));

    named.forEach(({ name, tensor: gradient }, i) => {
      const variable = tf.engine().registeredVariables[name];
      slots.accumulatedGrads[i] ??= { originalName: `${name}/accum_grad`, variable: zeroSlot(variable) };
      slots.accumulatedUpdates[i] ??= { originalName: `${name}/accum_var`, variable: zeroSlot(variable) };
      if (gradient == null) return;

      const meanSquare = slots.accumulatedGrads[i]!.variable;
      const meanUpdate = slots.accumulatedUpdates[i]!.variable;
      tf.tidy(() => {
        const { rho, epsilon } = this;
        const newMeanSquare = tf.add(tf.mul(meanSquare, rho), tf.mul(tf.square(gradient), 1 - rho));
        const update = tf.mul(tf.div(tf.sqrt(tf.add(meanUpdate, epsilon)), tf.sqrt(tf.add(newMeanSquare, epsilon))), gradient);
        meanSquare.assign(newMeanSquare);
        meanUpdate.assign(tf.add(tf.mul(meanUpdate, rho), tf.mul(tf.square(update), 1 - rho)));
        variable.assign(tf.sub(variable, tf.mul(update, this.learningRate)));
      });
    });
    this.incrementIterations();
  }
}

/** Creates a non-trainable variable of zeros shaped like `variable`. */
function zeroSlot(variable: tf.Variable): tf.Variable {
  return tf.tidy(() => tf.zerosLike(variable).variable(false));
}
