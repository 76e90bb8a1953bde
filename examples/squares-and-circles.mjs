// An autoencoder written the way a TensorFlow.js tutorial writes it, with
// the audience watching it learn: run `node examples/squares-and-circles.mjs`
// and open the printed address. It draws its own squares and circles, builds
// a dense encoder and decoder, and trains them with model.fit. latentcast's
// companion shows viewers the loss, the reconstructions and a latent explorer
// fed by the decoder, and keeps the gallery.
//
// PORT (default 3000) and EPOCHS (default 30) change the port and the length
// of training. Press Ctrl+C to stop.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { startCompanion } from 'latentcast';

const PORT = Number(process.env.PORT ?? 3000);
const EPOCHS = Number(process.env.EPOCHS ?? 30);
const SIZE = 28;
const PIXELS = SIZE * SIZE;
const LATENT = 2;
const SHAPES = ['square', 'circle'];

// WebAssembly trains faster than the plain JavaScript CPU backend; tfjs-node, where it installs, is faster still.
await tf.setBackend('wasm');

// 1. The companion: the viewer page, the overlay and the gallery.
const live = await startCompanion({ port: PORT, dataset: 'squares and circles', labelNames: SHAPES });
console.log(`viewers open ${live.url}`);
process.on('SIGINT', async () => {
  await live.close();
  process.exit(0);
});

// 2. The data: white squares and circles of random size and place on black.
function drawShape(shape) {
  const pixels = new Float32Array(PIXELS);
  const radius = 3 + Math.random() * 8;
  const centerX = radius + 1 + Math.random() * (SIZE - 2 * radius - 2);
  const centerY = radius + 1 + Math.random() * (SIZE - 2 * radius - 2);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const dx = x + 0.5 - centerX;
      const dy = y + 0.5 - centerY;
      const inside = shape === 'square' ? Math.max(Math.abs(dx), Math.abs(dy)) <= radius : dx * dx + dy * dy <= radius * radius;
      pixels[y * SIZE + x] = inside ? 1 : 0;
    }
  }
  return pixels;
}

function makeDataset(count) {
  const pixels = new Float32Array(count * PIXELS);
  const labels = [];
  for (let i = 0; i < count; i++) {
    const label = i % SHAPES.length;
    pixels.set(drawShape(SHAPES[label]), i * PIXELS);
    labels.push(label);
  }
  return { images: tf.tensor2d(pixels, [count, PIXELS]), labels };
}

const train = makeDataset(2000);
const test = makeDataset(200);

// 3. The model: 784 pixels squeezed through 2 numbers and back.
const encoder = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [PIXELS], units: 64, activation: 'relu' }),
    tf.layers.dense({ units: LATENT }),
  ],
});
const decoder = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [LATENT], units: 64, activation: 'relu' }),
    tf.layers.dense({ units: PIXELS, activation: 'sigmoid' }),
  ],
});
const autoencoder = tf.sequential({ layers: [encoder, decoder] });
autoencoder.compile({ optimizer: tf.train.adam(0.005), loss: 'binaryCrossentropy' });

// Viewers explore the latent space with the decoder and encode their drawings with the encoder.
live.setEncoder(encoder);
live.setDecoder(decoder);

// 4. Training: the input is also the target.
const probes = test.images.slice([0, 0], [8, PIXELS]);
await autoencoder.fit(train.images, train.images, {
  epochs: EPOCHS,
  batchSize: 32,
  shuffle: true,
  validationData: [test.images, test.images],
  callbacks: live.fitCallbacks({ probes, probeLabels: test.labels.slice(0, 8), mapInputs: test.images, mapLabels: test.labels }),
});
console.log('training done; viewers can keep exploring. Press Ctrl+C to stop.');
