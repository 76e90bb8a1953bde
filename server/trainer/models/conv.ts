// The convolutional autoencoder of `--model conv`: the convolutional
// autoencoder of the Keras blog ("Building Autoencoders in Keras", F. Chollet,
// 2016). With `--latent 128` the encoder's last 4×4×8 feature map is the
// latent vector, exactly as in the post. That code comes out of ReLU and max
// pooling, so it is never negative and some of its values can stay at zero.
// Any other size puts a dense, linear latent layer of `--latent` units
// between the encoder and the decoder. Input and output stay flat
// [batch, 784], reshaped inside, so the rest of the trainer treats it like a
// dense model.

import * as tf from '@tensorflow/tfjs';

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/training';
import type { EncoderDecoder } from './layers';
import { convLayer, denseLayer, seedSequence } from './layers';

/** Shape of the encoder's last feature map: 28 halved three times (rounding up) is 4, with 8 channels. */
const FEATURE_SHAPE = [4, 4, 8];

/** Values in the last feature map: 4 × 4 × 8 = 128, the code size of the Keras blog model. */
export const CONV_FEATURES = FEATURE_SHAPE[0] * FEATURE_SHAPE[1] * FEATURE_SHAPE[2];

/**
 * Builds the encoder and the decoder. Convolutions are 3×3 with ReLU,
 * pooling is 2×2 max pooling and upsampling repeats each pixel 2×2.
 *
 *   encoder: 28×28×1 → conv 16 → pool → conv 8 → pool → conv 8 → pool → 4×4×8 [→ dense latent (linear)]
 *   decoder: [latent → dense 128 (ReLU) →] 4×4×8 → conv 8 → upsample → conv 8 → upsample
 *            → conv 16 (valid, 16×16 to 14×14) → upsample → conv 1 (sigmoid) → 784
 *
 * The bracketed dense layers exist only when `latent` is not 128.
 */
export function buildConvAutoencoder(latent: number, seed: number): EncoderDecoder {
  const nextSeed = seedSequence(seed);
  const denseCode = latent !== CONV_FEATURES;

  const encoder = tf.sequential({
    name: 'encoder',
    layers: [
      tf.layers.reshape({ targetShape: [IMAGE_SIZE, IMAGE_SIZE, 1], inputShape: [IMAGE_PIXELS], name: 'to_image' }),
      convLayer({ filters: 16, activation: 'relu', seed: nextSeed(), name: 'conv1' }),
      tf.layers.maxPooling2d({ poolSize: 2, padding: 'same', name: 'pool1' }),
      convLayer({ filters: 8, activation: 'relu', seed: nextSeed(), name: 'conv2' }),
      tf.layers.maxPooling2d({ poolSize: 2, padding: 'same', name: 'pool2' }),
      convLayer({ filters: 8, activation: 'relu', seed: nextSeed(), name: 'conv3' }),
      tf.layers.maxPooling2d({ poolSize: 2, padding: 'same', name: 'pool3' }),
      tf.layers.flatten({ name: 'features' }),
      // Linear, unlike the dense models' ReLU latent, so that no latent dimension
      // can die at zero: the sliders and the latent map need every one.
      ...(denseCode ? [denseLayer({ units: latent, activation: 'linear', seed: nextSeed(), name: 'latent' })] : []),
    ],
  });

  const fromCode = denseCode
    ? [
        denseLayer({ units: CONV_FEATURES, activation: 'relu', seed: nextSeed(), inputSize: latent, name: 'from_latent' }),
        tf.layers.reshape({ targetShape: FEATURE_SHAPE, name: 'to_features' }),
      ]
    : [tf.layers.reshape({ targetShape: FEATURE_SHAPE, inputShape: [CONV_FEATURES], name: 'to_features' })];

  const decoder = tf.sequential({
    name: 'decoder',
    layers: [
      ...fromCode,
      convLayer({ filters: 8, activation: 'relu', seed: nextSeed(), name: 'conv4' }),
      tf.layers.upSampling2d({ size: [2, 2], name: 'up1' }),
      convLayer({ filters: 8, activation: 'relu', seed: nextSeed(), name: 'conv5' }),
      tf.layers.upSampling2d({ size: [2, 2], name: 'up2' }),
      convLayer({ filters: 16, activation: 'relu', padding: 'valid', seed: nextSeed(), name: 'conv6' }),
      tf.layers.upSampling2d({ size: [2, 2], name: 'up3' }),
      convLayer({ filters: 1, activation: 'sigmoid', seed: nextSeed(), name: 'to_pixels' }),
      tf.layers.flatten({ name: 'pixels' }),
    ],
  });

  return { encoder, decoder };
}
