// The binary frames the host sends to pages over `/ws`.
//
// Every frame starts with a 10-byte little-endian header, then a body whose
// layout depends on the frame type:
//
//   offset 0  u8   protocol version (PROTOCOL_VERSION)
//   offset 1  u8   frame type (FrameType)
//   offset 2  u32  sequence number, per connection-independent broadcast order
//   offset 6  u32  training step the frame describes
//
// Numbers travel as float32 and images as one byte per pixel, so a frame is
// serialised once and the same bytes go to every viewer.

import { IMAGE_PIXELS, IMAGE_SIZE } from '../training';
import type { EpochSummary, HostStatus, ReconstructionSet, RunConfig, StepLoss } from '../training';

export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 10;

export enum FrameType {
  /** JSON: run configuration and status, sent first on every connection. */
  Hello = 1,
  /** JSON: the status shown in the status bar. */
  Status = 2,
  /** Binary: a batch of per-step training losses. */
  StepLosses = 3,
  /** Binary: a batch of per-epoch summaries, validation loss included. */
  Epochs = 4,
  /** Binary: probe images next to their reconstructions. */
  Reconstructions = 5,
}

/** Body of a Hello frame. */
export interface HelloBody {
  config: RunConfig;
  status: HostStatus;
}

export type Frame =
  | { type: FrameType.Hello; seq: number; step: number; body: HelloBody }
  | { type: FrameType.Status; seq: number; step: number; body: HostStatus }
  | { type: FrameType.StepLosses; seq: number; step: number; body: StepLoss[] }
  | { type: FrameType.Epochs; seq: number; step: number; body: EpochSummary[] }
  | { type: FrameType.Reconstructions; seq: number; step: number; body: ReconstructionSet };

/** Raised for bytes that are not a frame of this protocol version. */
export class FrameError extends Error {
  override name = 'FrameError';
}

const EPOCH_RECORD_BYTES = 24;
const STEP_RECORD_BYTES = 8;

export function encodeHello(seq: number, body: HelloBody): Uint8Array {
  return encodeJson(FrameType.Hello, seq, body.status.step, body);
}

export function encodeStatus(seq: number, status: HostStatus): Uint8Array {
  return encodeJson(FrameType.Status, seq, status.step, status);
}

export function encodeStepLosses(seq: number, points: readonly StepLoss[]): Uint8Array {
  const lastStep = points.length > 0 ? points[points.length - 1].step : 0;
  const { bytes, view } = allocate(FrameType.StepLosses, seq, lastStep, 4 + points.length * STEP_RECORD_BYTES);
  let offset = HEADER_BYTES;
  view.setUint32(offset, points.length, true);
  offset += 4;
  for (const point of points) {
    view.setUint32(offset, point.step, true);
    view.setFloat32(offset + 4, point.loss, true);
    offset += STEP_RECORD_BYTES;
  }
  return bytes;
}

export function encodeEpochs(seq: number, epochs: readonly EpochSummary[]): Uint8Array {
  const lastStep = epochs.length > 0 ? epochs[epochs.length - 1].step : 0;
  const { bytes, view } = allocate(FrameType.Epochs, seq, lastStep, 4 + epochs.length * EPOCH_RECORD_BYTES);
  let offset = HEADER_BYTES;
  view.setUint32(offset, epochs.length, true);
  offset += 4;
  for (const summary of epochs) {
    view.setUint32(offset, summary.epoch, true);
    view.setUint32(offset + 4, summary.step, true);
    view.setFloat32(offset + 8, summary.trainLoss, true);
    view.setFloat32(offset + 12, summary.validationLoss, true);
    view.setFloat32(offset + 16, summary.seconds, true);
    view.setFloat32(offset + 20, summary.samplesPerSecond, true);
    offset += EPOCH_RECORD_BYTES;
  }
  return bytes;
}

export function encodeReconstructions(seq: number, set: ReconstructionSet): Uint8Array {
  const imageBytes = set.count * IMAGE_PIXELS;
  if (set.inputs.length !== imageBytes || set.outputs.length !== imageBytes) {
    throw new FrameError(`reconstruction set of ${set.count} images needs ${imageBytes} bytes per side`);
  }
  const { bytes, view } = allocate(FrameType.Reconstructions, seq, set.step, 8 + 2 * imageBytes);
  view.setUint32(HEADER_BYTES, set.epoch, true);
  view.setUint16(HEADER_BYTES + 4, set.count, true);
  view.setUint8(HEADER_BYTES + 6, IMAGE_SIZE);
  view.setUint8(HEADER_BYTES + 7, IMAGE_SIZE);
  bytes.set(set.inputs, HEADER_BYTES + 8);
  bytes.set(set.outputs, HEADER_BYTES + 8 + imageBytes);
  return bytes;
}

/** Decodes one frame, checking every length; throws FrameError on anything else. */
export function decodeFrame(data: ArrayBuffer | Uint8Array): Frame {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length < HEADER_BYTES) {
    throw new FrameError(`frame of ${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== PROTOCOL_VERSION) {
    throw new FrameError(`protocol version ${version} is not supported; this page speaks version ${PROTOCOL_VERSION}`);
  }

  const type = view.getUint8(1);
  const seq = view.getUint32(2, true);
  const step = view.getUint32(6, true);
  switch (type) {
    case FrameType.Hello:
      return { type, seq, step, body: decodeJson(bytes) as HelloBody };
    case FrameType.Status:
      return { type, seq, step, body: decodeJson(bytes) as HostStatus };
    case FrameType.StepLosses:
      return { type, seq, step, body: decodeStepLosses(view) };
    case FrameType.Epochs:
      return { type, seq, step, body: decodeEpochs(view) };
    case FrameType.Reconstructions:
      return { type, seq, step, body: decodeReconstructions(bytes, view, step) };
    default:
      throw new FrameError(`unknown frame type ${type}`);
  }
}

function decodeStepLosses(view: DataView): StepLoss[] {
  const count = readCount(view, STEP_RECORD_BYTES, 'step-loss');
  const points: StepLoss[] = new Array(count);
  let offset = HEADER_BYTES + 4;
  for (let i = 0; i < count; i++) {
    points[i] = { step: view.getUint32(offset, true), loss: view.getFloat32(offset + 4, true) };
    offset += STEP_RECORD_BYTES;
  }
  return points;
}

function decodeEpochs(view: DataView): EpochSummary[] {
  const count = readCount(view, EPOCH_RECORD_BYTES, 'epoch');
  const epochs: EpochSummary[] = new Array(count);
  let offset = HEADER_BYTES + 4;
  for (let i = 0; i < count; i++) {
    epochs[i] = {
      epoch: view.getUint32(offset, true),
      step: view.getUint32(offset + 4, true),
      trainLoss: view.getFloat32(offset + 8, true),
      validationLoss: view.getFloat32(offset + 12, true),
      seconds: view.getFloat32(offset + 16, true),
      samplesPerSecond: view.getFloat32(offset + 20, true),
    };
    offset += EPOCH_RECORD_BYTES;
  }
  return epochs;
}

function decodeReconstructions(bytes: Uint8Array, view: DataView, step: number): ReconstructionSet {
  if (bytes.length < HEADER_BYTES + 8) {
    throw new FrameError('reconstruction frame is truncated before its image count');
  }
  const epoch = view.getUint32(HEADER_BYTES, true);
  const count = view.getUint16(HEADER_BYTES + 4, true);
  const width = view.getUint8(HEADER_BYTES + 6);
  const height = view.getUint8(HEADER_BYTES + 7);
  if (width !== IMAGE_SIZE || height !== IMAGE_SIZE) {
    throw new FrameError(`reconstructions are ${width}x${height}; expected ${IMAGE_SIZE}x${IMAGE_SIZE}`);
  }
  const imageBytes = count * IMAGE_PIXELS;
  const expected = HEADER_BYTES + 8 + 2 * imageBytes;
  if (bytes.length !== expected) {
    throw new FrameError(`reconstruction frame has ${bytes.length} bytes; ${count} images need ${expected}`);
  }
  const start = HEADER_BYTES + 8;
  return {
    epoch,
    step,
    count,
    inputs: bytes.slice(start, start + imageBytes),
    outputs: bytes.slice(start + imageBytes, expected),
  };
}

/** Writes the header into a new frame of `bodyBytes` body bytes. */
function allocate(type: FrameType, seq: number, step: number, bodyBytes: number) {
  const bytes = new Uint8Array(HEADER_BYTES + bodyBytes);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, PROTOCOL_VERSION);
  view.setUint8(1, type);
  view.setUint32(2, seq >>> 0, true);
  view.setUint32(6, step >>> 0, true);
  return { bytes, view };
}

function encodeJson(type: FrameType, seq: number, step: number, body: unknown): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(body));
  const { bytes } = allocate(type, seq, step, json.length);
  bytes.set(json, HEADER_BYTES);
  return bytes;
}

function decodeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_BYTES)));
  } catch (error) {
    throw new FrameError(`JSON body does not parse: ${(error as Error).message}`);
  }
}

/** Reads a record count and checks that exactly that many records follow. */
function readCount(view: DataView, recordBytes: number, what: string): number {
  if (view.byteLength < HEADER_BYTES + 4) {
    throw new FrameError(`${what} frame is truncated before its record count`);
  }
  const count = view.getUint32(HEADER_BYTES, true);
  const expected = HEADER_BYTES + 4 + count * recordBytes;
  if (view.byteLength !== expected) {
    throw new FrameError(`${what} frame has ${view.byteLength} bytes; ${count} records need ${expected}`);
  }
  return count;
}
