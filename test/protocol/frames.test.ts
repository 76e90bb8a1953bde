import { describe, expect, it } from 'vitest';

import {
  decodeFrame,
  encodeEpochs,
  encodeHello,
  encodeLatentMap,
  encodeModelSnapshot,
  encodeError,
  encodeProbes,
  encodeReconstructions,
  encodeRunStarted,
  encodeStatus,
  encodeStepLosses,
  FrameError,
  FrameType,
  HEADER_BYTES,
  quantiseSnapshot,
} from '../../shared/protocol/frames';
import { IMAGE_PIXELS } from '../../shared/training';
import type { HostStatus, ModelSnapshot, RunConfig, RunSummary } from '../../shared/training';

const status: HostStatus = {
  state: 'training',
  stateReason: null,
  backend: { name: 'wasm', reason: 'test' },
  dataset: { name: 'shapes', trainCount: 90, validationCount: 10, labelNames: ['square'] },
  model: 'dense',
  layerSizes: [784, 8, 784],
  latent: 8,
  epoch: 2,
  epochs: 10,
  step: 1234,
  lastLoss: 0.25,
  lastValidationLoss: 0.3,
  viewers: 3,
  runStartedAt: 1_700_000_000_000,
  runId: '0b9c6f1e-5d7a-4c1b-9a55-3f1c2e8d7b60',
  runReason: 'host start',
  learningRate: 0.001,
  earlierRuns: [],
  modelFileError: null,
};

const config = { dataset: 'shapes', latent: 8 } as RunConfig;

const summary: RunSummary = {
  runId: '5e1d0c8a-2f4b-4d7e-8a1c-6b9f0e3d2a71',
  startedAt: 1_699_999_000_000,
  reason: 'host start',
  dataset: 'shapes',
  model: 'dense',
  latent: 8,
  layerSizes: [784, 8, 784],
  steps: 900,
  epochs: 3,
  finalLoss: 0.21,
  finalValidationLoss: 0.22,
};

/** Returns a conv-like decoder snapshot: a dense kernel, a rank-4 kernel and biases, with a topology that has training-only keys. */
function convSnapshot(): ModelSnapshot {
  const values = (length: number, scale: number) => Float32Array.from({ length }, (_, i) => Math.sin(i * 1.3) * scale);
  return {
    step: 77,
    topology: {
      class_name: 'Sequential',
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
      config: {
        name: 'decoder',
        layers: [
          {
            class_name: 'Dense',
            config: { units: 12, activation: 'relu', name: 'dense_Dense1', batch_input_shape: [null, 3], kernel_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null },
          },
          { class_name: 'Conv2DTranspose', config: { filters: 1, kernel_size: [3, 3], name: 'conv', bias_constraint: null } },
        ],
      },
    },
    weights: [
      { name: 'dense_Dense1/kernel', shape: [3, 12], values: values(36, 0.5) },
      { name: 'dense_Dense1/bias', shape: [12], values: values(12, 0.2) },
      { name: 'conv/kernel', shape: [3, 3, 1, 2], values: values(18, 2) },
      { name: 'conv/bias', shape: [1], values: Float32Array.of(-0.25) },
    ],
  };
}

/** Largest absolute difference between two equally long arrays. */
function maxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
  return largest;
}

describe('binary frames', () => {
  it('round-trips a hello frame', () => {
    const frame = decodeFrame(encodeHello(7, { config, status }));
    expect(frame).toMatchObject({ type: FrameType.Hello, seq: 7, step: 1234, body: { config, status } });
  });

  it('round-trips a status frame', () => {
    expect(decodeFrame(encodeStatus(8, status))).toMatchObject({ type: FrameType.Status, seq: 8, body: status });
  });

  it('round-trips a RunStarted frame', () => {
    const newRun: HostStatus = { ...status, runReason: 'latent size 8 → 16 (host panel)', earlierRuns: [summary] };
    const frame = decodeFrame(encodeRunStarted(9, { config, status: newRun }));
    expect(frame).toMatchObject({ type: FrameType.RunStarted, seq: 9, step: 1234, body: { config, status: newRun } });
  });

  it('round-trips step losses as float32 with the last step in the header', () => {
    const points = [
      { step: 1, loss: 0.5, elapsedMs: 10 },
      { step: 2, loss: 0.25, elapsedMs: 20 },
    ];
    const bytes = encodeStepLosses(9, points);
    expect(bytes.length).toBe(HEADER_BYTES + 4 + 2 * 12);
    expect(decodeFrame(bytes)).toEqual({ type: FrameType.StepLosses, seq: 9, step: 2, body: points });
  });

  it('round-trips epoch summaries', () => {
    const summary = { epoch: 1, step: 50, trainLoss: 0.5, validationLoss: 0.25, seconds: 2, samplesPerSecond: 1600 };
    expect(decodeFrame(encodeEpochs(10, [summary])).body).toEqual([summary]);
  });

  it('round-trips the loss terms of a VAE', () => {
    const plain = { epoch: 1, step: 50, trainLoss: 0.5, validationLoss: 0.25, seconds: 2, samplesPerSecond: 1600 };
    const vae = {
      ...plain,
      epoch: 2,
      step: 100,
      trainReconstructionLoss: 0.375,
      trainKlLoss: 0.125,
      validationReconstructionLoss: 0.1875,
      validationKlLoss: 0.0625,
    };
    const body = decodeFrame(encodeEpochs(10, [plain, vae])).body;
    expect(body).toEqual([plain, vae]);
    expect(Object.keys((body as object[])[0])).not.toContain('trainKlLoss');
  });

  it('round-trips reconstructions as one byte per pixel', () => {
    const outputs = Uint8Array.from({ length: 2 * IMAGE_PIXELS }, (_, i) => i % 256);
    const set = { epoch: 3, step: 300, count: 2, outputs };
    const bytes = encodeReconstructions(11, set);
    expect(bytes.length).toBe(HEADER_BYTES + 8 + 2 * IMAGE_PIXELS);
    expect(decodeFrame(bytes)).toEqual({ type: FrameType.Reconstructions, seq: 11, step: 300, body: set });
  });

  it('round-trips probe images with their labels', () => {
    const probes = { count: 2, images: Uint8Array.from({ length: 2 * IMAGE_PIXELS }, (_, i) => (i * 7) % 256), labels: Uint8Array.of(4, 9) };
    expect(decodeFrame(encodeProbes(12, probes))).toEqual({ type: FrameType.Probes, seq: 12, step: 0, body: probes });
  });

  it('round-trips a model snapshot within int8 precision', () => {
    const snapshot = convSnapshot();
    const frame = decodeFrame(encodeModelSnapshot(FrameType.DecoderWeights, 13, snapshot));
    expect(frame).toMatchObject({ type: FrameType.DecoderWeights, seq: 13, step: 77 });

    const decoded = frame.body as ModelSnapshot;
    expect(decoded.step).toBe(77);
    expect(decoded.weights.map((weight) => [weight.name, weight.shape])).toEqual(snapshot.weights.map((weight) => [weight.name, weight.shape]));
    decoded.weights.forEach((weight, i) => {
      const original = snapshot.weights[i].values;
      const largest = Math.max(...original.map(Math.abs));
      // Rounding to the nearest int8 step of largest / 127 errs by at most half a step.
      expect(maxError(weight.values, original)).toBeLessThanOrEqual(largest / 127 / 2 + 1e-6);
    });
  });

  it('sends the topology without training-only keys', () => {
    const { topology } = decodeFrame(encodeModelSnapshot(FrameType.EncoderWeights, 1, convSnapshot())).body as ModelSnapshot;
    expect(topology).toEqual({
      class_name: 'Sequential',
      config: {
        name: 'decoder',
        layers: [
          { class_name: 'Dense', config: { units: 12, activation: 'relu', name: 'dense_Dense1', batch_input_shape: [null, 3] } },
          { class_name: 'Conv2DTranspose', config: { filters: 1, kernel_size: [3, 3], name: 'conv' } },
        ],
      },
    });
  });

  it('sizes a snapshot frame from its parts', () => {
    const snapshot = convSnapshot();
    const bytes = encodeModelSnapshot(FrameType.DecoderWeights, 1, snapshot);
    const topologyBytes = new DataView(bytes.buffer).getUint32(HEADER_BYTES, true);
    const tensorBytes = snapshot.weights.reduce((sum, weight) => sum + 2 + weight.name.length + 4 * weight.shape.length + 4 + weight.values.length, 0);
    expect(bytes.length).toBe(HEADER_BYTES + 4 + topologyBytes + 2 + tensorBytes);
  });

  it('quantises a snapshot as a page receives it', () => {
    const snapshot = convSnapshot();
    const frame = decodeFrame(encodeModelSnapshot(FrameType.DecoderWeights, 1, snapshot)).body as ModelSnapshot;
    expect(quantiseSnapshot(snapshot)).toEqual(frame);
  });

  it('round-trips an all-zero tensor and a scalar', () => {
    const snapshot: ModelSnapshot = {
      step: 1,
      topology: { class_name: 'Sequential', config: { layers: [] } },
      weights: [
        { name: 'zeros', shape: [2, 2], values: new Float32Array(4) },
        { name: 'scalar', shape: [], values: Float32Array.of(3) },
      ],
    };
    const decoded = quantiseSnapshot(snapshot);
    expect(Array.from(decoded.weights[0].values)).toEqual([0, 0, 0, 0]);
    expect(decoded.weights[1].shape).toEqual([]);
    expect(decoded.weights[1].values[0]).toBeCloseTo(3, 5);
  });

  it('round-trips a latent map', () => {
    const map = {
      epoch: 2,
      step: 40,
      dims: 2,
      count: 3,
      codes: Float32Array.of(0, 1, 2, 3, 4, 5),
      labels: Uint8Array.of(0, 1, 2),
      min: Float32Array.of(0, 1),
      max: Float32Array.of(4, 5),
      mean: Float32Array.of(2, 3),
      std: Float32Array.of(1.5, 1.5),
    };
    expect(decodeFrame(encodeLatentMap(15, map))).toEqual({ type: FrameType.LatentMap, seq: 15, step: 40, body: map });
  });

  it('round-trips an error frame', () => {
    const body = { code: 'unknown-topic', message: 'unknown topic "x"' };
    expect(decodeFrame(encodeError(14, body))).toEqual({ type: FrameType.Error, seq: 14, step: 0, body });
  });

  it('rejects a frame shorter than the header', () => {
    expect(() => decodeFrame(new Uint8Array(4))).toThrow(/shorter than the 10-byte header/);
  });

  it('rejects another protocol version', () => {
    const bytes = encodeStatus(1, status);
    bytes[0] = 99;
    expect(() => decodeFrame(bytes)).toThrow(/protocol version 99 is not supported/);
  });

  it('rejects an unknown frame type', () => {
    const bytes = encodeStatus(1, status);
    bytes[1] = 200;
    expect(() => decodeFrame(bytes)).toThrow(/unknown frame type 200/);
  });

  it('rejects a truncated loss batch', () => {
    const bytes = encodeStepLosses(1, [{ step: 1, loss: 1, elapsedMs: 0 }]);
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 1))).toThrow(FrameError);
  });

  it('rejects reconstructions whose byte count does not match the image count', () => {
    const set = { epoch: 0, step: 0, count: 1, outputs: new Uint8Array(IMAGE_PIXELS) };
    const bytes = encodeReconstructions(1, set);
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 10))).toThrow(/reconstruction frame of 1 images needs/);
  });

  it('rejects a snapshot frame cut inside a tensor', () => {
    const bytes = encodeModelSnapshot(FrameType.EncoderWeights, 1, convSnapshot());
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated in tensor 4 of 4/);
  });

  it('rejects a snapshot frame with bytes after its tensors', () => {
    const bytes = encodeModelSnapshot(FrameType.EncoderWeights, 1, convSnapshot());
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    expect(() => decodeFrame(padded)).toThrow(/weight frame of 4 tensors needs/);
  });

  it('rejects a snapshot frame whose topology is not JSON', () => {
    const bytes = encodeModelSnapshot(FrameType.EncoderWeights, 1, convSnapshot());
    bytes[HEADER_BYTES + 4] = 0x7b + 1;
    expect(() => decodeFrame(bytes)).toThrow(/topology does not parse/);
  });

  it('rejects a tensor whose values do not fill its shape', () => {
    const snapshot = convSnapshot();
    snapshot.weights[1] = { name: 'short', shape: [13], values: new Float32Array(12) };
    expect(() => encodeModelSnapshot(FrameType.DecoderWeights, 1, snapshot)).toThrow(/short of shape \[13\] has 12 values/);
  });

  it('rejects an oversized frame body', () => {
    const bytes = encodeStepLosses(1, [{ step: 1, loss: 1, elapsedMs: 0 }]);
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes);
    expect(() => decodeFrame(padded)).toThrow(/1 records need/);
  });
});
