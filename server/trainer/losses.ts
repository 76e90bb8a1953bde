// Loss functions of the generic training step, on the decoder's output
// probabilities. The fused dense step has its own on logits (step.ts).

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS } from '../../shared/training';
import type { LossKind } from '../../shared/training';

/** Keras's default fuzz factor (`keras.backend.epsilon()`), which keeps log() finite. */
const EPSILON = 1e-7;

/**
 * Mean per-pixel reconstruction loss between the target images and the
 * decoder's output in [0, 1]. Binary cross-entropy clips the output to
 * [1e-7, 1 - 1e-7] first, as Keras does, so a saturated sigmoid gives a large
 * but finite loss. A NaN output still gives a NaN loss, so that a broken
 * model counts as diverged.
 */
export function reconstructionLossOfOutput(kind: LossKind, target: tf.Tensor2D, output: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    if (kind === 'mse') return tf.mean(tf.squaredDifference(target, output)) as tf.Scalar;

    // Not tf.clipByValue: the WASM backend of TensorFlow.js 4.22 clips NaN to the lower bound, which hides a NaN output.
    const p = tf.minimum(tf.maximum(output, EPSILON), 1 - EPSILON);
    const crossEntropy = tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p))));
    return tf.neg(tf.mean(crossEntropy)) as tf.Scalar;
  });
}

/**
 * KL divergence from the encoder's Gaussian N(mean, exp(logVar)) to the prior
 * N(0, I): -0.5 · Σ(1 + logVar - mean² - exp(logVar)) over the latent
 * dimensions, averaged over the batch. It is divided by 784, so that it adds
 * to a per-pixel reconstruction loss with the weight of the ELBO (the sum of
 * both terms, times 784, is the negative ELBO per image in nats for `bce`).
 */
export function klDivergencePerPixel(mean: tf.Tensor2D, logVar: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const perDimension = tf.sub(tf.add(1, logVar), tf.add(tf.square(mean), tf.exp(logVar)));
    const perImage = tf.mul(-0.5, tf.sum(perDimension, 1));
    return tf.div(tf.mean(perImage), IMAGE_PIXELS);
  });
}
