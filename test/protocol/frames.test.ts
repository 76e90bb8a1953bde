import { describe, expect, it } from 'vitest';

import {
  decodeFrame,
  encodeEpochs,
  encodeHello,
  encodeLatentMap,
  encodeNetworkWeights,
  encodeError,
  encodeProbes,
  encodeReconstructions,
  encodeStatus,
  encodeStepLosses,
  FrameError,
  FrameType,
  HEADER_BYTES,
} from '../../shared/protocol/frames';
import { IMAGE_PIXELS } from '../../shared/training';
import type { HostStatus, RunConfig } from '../../shared/training';

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
};

const config = { dataset: 'shapes', latent: 8 } as RunConfig;

describe('binary frames', () => {
  it('round-trips a hello frame', () => {
    const frame = decodeFrame(encodeHello(7, { config, status }));
    expect(frame).toMatchObject({ type: FrameType.Hello, seq: 7, step: 1234, body: { config, status } });
  });

  it('round-trips a status frame', () => {
    expect(decodeFrame(encodeStatus(8, status))).toMatchObject({ type: FrameType.Status, seq: 8, body: status });
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

  it('round-trips decoder weights within int8 precision', () => {
    const kernel = Float32Array.from({ length: 3 * 4 }, (_, i) => Math.sin(i) * 0.5);
    const bias = Float32Array.of(0.1, -0.2, 0, 0.05);
    const weights = { step: 77, layers: [{ inputs: 3, units: 4, activation: 'sigmoid' as const, kernel, bias }] };
    const bytes = encodeNetworkWeights(FrameType.DecoderWeights, 13, weights);
    expect(bytes.length).toBe(HEADER_BYTES + 2 + 13 + 12 + 4);

    const frame = decodeFrame(bytes);
    expect(frame.type).toBe(FrameType.DecoderWeights);
    const [layer] = (frame.body as typeof weights).layers;
    expect(layer).toMatchObject({ inputs: 3, units: 4, activation: 'sigmoid' });
    const maxKernelError = Math.max(...layer.kernel.map((value, i) => Math.abs(value - kernel[i])));
    expect(maxKernelError).toBeLessThanOrEqual(0.5 / 127 / 2 + 1e-7);
    const maxBiasError = Math.max(...layer.bias.map((value, i) => Math.abs(value - bias[i])));
    expect(maxBiasError).toBeLessThanOrEqual(0.2 / 127 / 2 + 1e-7);
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

  it('rejects decoder weights cut inside a layer', () => {
    const layer = { inputs: 2, units: 2, activation: 'relu' as const, kernel: new Float32Array(4), bias: new Float32Array(2) };
    const bytes = encodeNetworkWeights(FrameType.EncoderWeights, 1, { step: 0, layers: [layer] });
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated in layer 1/);
  });

  it('rejects an oversized frame body', () => {
    const bytes = encodeStepLosses(1, [{ step: 1, loss: 1, elapsedMs: 0 }]);
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes);
    expect(() => decodeFrame(padded)).toThrow(/1 records need/);
  });
});
