import { describe, expect, it } from 'vitest';

import {
  decodeFrame,
  encodeEpochs,
  encodeHello,
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
      { step: 1, loss: 0.5 },
      { step: 2, loss: 0.25 },
    ];
    const bytes = encodeStepLosses(9, points);
    expect(bytes.length).toBe(HEADER_BYTES + 4 + 2 * 8);
    expect(decodeFrame(bytes)).toEqual({ type: FrameType.StepLosses, seq: 9, step: 2, body: points });
  });

  it('round-trips epoch summaries', () => {
    const summary = { epoch: 1, step: 50, trainLoss: 0.5, validationLoss: 0.25, seconds: 2, samplesPerSecond: 1600 };
    expect(decodeFrame(encodeEpochs(10, [summary])).body).toEqual([summary]);
  });

  it('round-trips reconstructions as one byte per pixel', () => {
    const inputs = Uint8Array.from({ length: 2 * IMAGE_PIXELS }, (_, i) => i % 256);
    const outputs = inputs.map((value) => 255 - value);
    const set = { epoch: 3, step: 300, count: 2, inputs, outputs };
    const bytes = encodeReconstructions(11, set);
    expect(bytes.length).toBe(HEADER_BYTES + 8 + 4 * IMAGE_PIXELS);
    expect(decodeFrame(bytes)).toEqual({ type: FrameType.Reconstructions, seq: 11, step: 300, body: set });
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
    const bytes = encodeStepLosses(1, [{ step: 1, loss: 1 }]);
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 1))).toThrow(FrameError);
  });

  it('rejects reconstructions whose byte count does not match the image count', () => {
    const set = { epoch: 0, step: 0, count: 1, inputs: new Uint8Array(IMAGE_PIXELS), outputs: new Uint8Array(IMAGE_PIXELS) };
    const bytes = encodeReconstructions(1, set);
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 10))).toThrow(/1 images need/);
  });
});
