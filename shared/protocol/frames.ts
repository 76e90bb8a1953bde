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
// Numbers travel as float32, images as one byte per pixel and weights as
// int8 with a scale per tensor, so a frame is serialised once and the same
// bytes go to every viewer. JSON is used for rare control frames and for a
// model's topology inside a weight frame.

import type { GalleryItem } from '../gallery';
import { compactTopology } from '../model/topology';
import type { PollResult, PollsState, PollVote } from '../polls';
import { IMAGE_PIXELS, IMAGE_SIZE } from '../training';
import type { EpochSummary, HostStatus, LatentMap, ModelSnapshot, ModelTopology, RunConfig, StepLoss, WeightTensor } from '../training';

export const PROTOCOL_VERSION = 3;
export const HEADER_BYTES = 10;

export enum FrameType {
  /** JSON: run configuration and status, sent first on every connection. */
  Hello = 1,
  /** JSON: the status shown in the status bar. */
  Status = 2,
  /** Binary: a batch of per-step training losses. */
  StepLosses = 3,
  /** Binary: a batch of per-epoch summaries, validation loss included, and a VAE's two loss terms. */
  Epochs = 4,
  /** Binary: the model's output for each probe image. */
  Reconstructions = 5,
  /** Binary: the fixed validation images whose reconstructions are shown, sent once per run. */
  Probes = 6,
  /** Binary: the decoder as a ModelSnapshot, its topology as JSON and each weight tensor int8-quantised. */
  DecoderWeights = 7,
  /** JSON: a request of the page that the host rejected, such as an unknown topic. */
  Error = 8,
  /** Binary: the encoder as a ModelSnapshot, laid out like DecoderWeights. */
  EncoderWeights = 9,
  /** Binary: latent codes of validation images with per-dimension statistics. */
  LatentMap = 10,
  /** JSON: the newest and the most-voted gallery items, sent when a page subscribes to `gallery`. */
  GallerySnapshot = 11,
  /** JSON: items that became visible, newly submitted or unhidden by the host. */
  GalleryItems = 12,
  /** Binary: the latest vote tally of each item whose votes changed. */
  GalleryVotes = 13,
  /** JSON: ids of items the host hid or deleted. */
  GalleryRemoved = 14,
  /** JSON: the item stored for this page's own WebSocket submission, sent to that page only. */
  GallerySubmitted = 15,
  /** JSON: the open poll with its tallies and the last result, sent when a page subscribes to `polls` and when a poll opens. */
  PollState = 16,
  /** Binary: the latest vote count of every option of the open poll. */
  PollTallies = 17,
  /** JSON: a closed poll's result, sent when it closes and again when applying its winner to the run ends. */
  PollResult = 18,
  /** JSON: the vote counted for this page's own WebSocket vote, sent to that page only. */
  PollVoted = 19,
  /** Binary: the probe images and every reconstruction the host keeps of the run; replaces the page's history. */
  ReconstructionHistory = 20,
  /** Binary: one reconstruction added to the host's history, and the steps the history keeps after it. */
  ReconstructionAdded = 21,
  /** Binary: per-tensor weight histograms of every weight snapshot the host keeps; replaces the page's history. */
  WeightHistogramHistory = 22,
  /** Binary: the weight histograms of one snapshot added to the host's history, and the steps it keeps after it. */
  WeightHistogramAdded = 23,
  /** JSON: a new run replaced the previous one; the configuration and status of the new run, sent to every connection. */
  RunStarted = 24,
}

/** Body of a Hello frame. */
export interface HelloBody {
  config: RunConfig;
  status: HostStatus;
}

/** Body of a Probes frame. */
export interface ProbeImages {
  count: number;
  /** `count` images of 784 bytes. */
  images: Uint8Array;
  /** One label per image, an index into the dataset's label names. */
  labels: Uint8Array;
}

/** Body of a Reconstructions frame: the output for each probe image, in probe order. */
export interface ReconstructionOutputs {
  epoch: number;
  step: number;
  count: number;
  /** `count` images of 784 bytes. */
  outputs: Uint8Array;
}

/** Body of a ReconstructionHistory frame. */
export interface ReconstructionHistoryBody {
  /** Most entries the host keeps; older ones are thinned evenly beyond it. */
  capacity: number;
  /** The run's probe images; `entries` are their reconstructions. */
  probes: ProbeImages;
  /** Reconstructions in ascending step order. */
  entries: ReconstructionOutputs[];
}

/** Body of a ReconstructionAdded frame. */
export interface ReconstructionAddedBody {
  entry: ReconstructionOutputs;
  /** Steps of the entries the host keeps after adding `entry`, ascending; a page drops every other entry. */
  retainedSteps: number[];
}

/** Distribution of one weight tensor's values at one step. */
export interface TensorHistogram {
  /** Smallest value; the first bin starts here. */
  min: number;
  /** Largest value; the last bin ends here. */
  max: number;
  /** Share of the tensor's values in each of the equal-width bins between `min` and `max`, in units of 1/65535. */
  shares: Uint16Array;
}

/** Histograms of every weight tensor of one snapshot, in the order of `WeightHistogramLayout.names`. */
export interface WeightHistogramEntry {
  step: number;
  tensors: TensorHistogram[];
}

/** Tensor names, sizes and bin count of a weight histogram frame. */
export interface WeightHistogramLayout {
  /** Tensor names, such as `encoder/dense_Dense1/kernel`, encoder first, in `getWeights()` order. */
  names: string[];
  /** Number of values of each tensor. */
  sizes: number[];
  /** Bins per histogram. */
  bins: number;
}

/** Body of a WeightHistogramHistory frame. */
export interface WeightHistogramHistoryBody extends WeightHistogramLayout {
  /** Most entries the host keeps; older ones are thinned evenly beyond it. */
  capacity: number;
  /** Entries in ascending step order. */
  entries: WeightHistogramEntry[];
}

/** Body of a WeightHistogramAdded frame. */
export interface WeightHistogramAddedBody extends WeightHistogramLayout {
  entry: WeightHistogramEntry;
  /** Steps of the entries the host keeps after adding `entry`, ascending; a page drops every other entry. */
  retainedSteps: number[];
}

/** Body of a GallerySnapshot frame. */
export interface GallerySnapshotBody {
  /** Newest visible items, newest first. */
  newest: GalleryItem[];
  /** Most-voted visible items, most votes first, then newest first. */
  top: GalleryItem[];
}

/** One item's vote count in a GalleryVotes frame. */
export interface VoteTally {
  id: number;
  votes: number;
}

/** Body of a GalleryRemoved frame. */
export interface GalleryRemovedBody {
  ids: number[];
}

/** Body of a PollTallies frame. */
export interface PollTalliesBody {
  pollId: number;
  /** Votes per option, in option order. */
  tallies: number[];
}

/** Body of an Error frame. */
export interface ErrorBody {
  /** Stable identifier, such as `unknown-topic`. */
  code: string;
  message: string;
}

export type Frame =
  | { type: FrameType.Hello; seq: number; step: number; body: HelloBody }
  | { type: FrameType.Status; seq: number; step: number; body: HostStatus }
  | { type: FrameType.StepLosses; seq: number; step: number; body: StepLoss[] }
  | { type: FrameType.Epochs; seq: number; step: number; body: EpochSummary[] }
  | { type: FrameType.Reconstructions; seq: number; step: number; body: ReconstructionOutputs }
  | { type: FrameType.Probes; seq: number; step: number; body: ProbeImages }
  | { type: FrameType.DecoderWeights; seq: number; step: number; body: ModelSnapshot }
  | { type: FrameType.EncoderWeights; seq: number; step: number; body: ModelSnapshot }
  | { type: FrameType.LatentMap; seq: number; step: number; body: LatentMap }
  | { type: FrameType.GallerySnapshot; seq: number; step: number; body: GallerySnapshotBody }
  | { type: FrameType.GalleryItems; seq: number; step: number; body: GalleryItem[] }
  | { type: FrameType.GalleryVotes; seq: number; step: number; body: VoteTally[] }
  | { type: FrameType.GalleryRemoved; seq: number; step: number; body: GalleryRemovedBody }
  | { type: FrameType.GallerySubmitted; seq: number; step: number; body: GalleryItem }
  | { type: FrameType.PollState; seq: number; step: number; body: PollsState }
  | { type: FrameType.PollTallies; seq: number; step: number; body: PollTalliesBody }
  | { type: FrameType.PollResult; seq: number; step: number; body: PollResult }
  | { type: FrameType.PollVoted; seq: number; step: number; body: PollVote }
  | { type: FrameType.ReconstructionHistory; seq: number; step: number; body: ReconstructionHistoryBody }
  | { type: FrameType.ReconstructionAdded; seq: number; step: number; body: ReconstructionAddedBody }
  | { type: FrameType.WeightHistogramHistory; seq: number; step: number; body: WeightHistogramHistoryBody }
  | { type: FrameType.WeightHistogramAdded; seq: number; step: number; body: WeightHistogramAddedBody }
  | { type: FrameType.Error; seq: number; step: number; body: ErrorBody }
  | { type: FrameType.RunStarted; seq: number; step: number; body: HelloBody };

/** Raised for bytes that are not a frame of this protocol version. */
export class FrameError extends Error {
  override name = 'FrameError';
}

const EPOCH_RECORD_BYTES = 40;
const STEP_RECORD_BYTES = 12;
const TALLY_RECORD_BYTES = 8;

/** Most dimensions of one weight tensor in a weight frame; a Conv3D kernel has 5. */
const MAX_TENSOR_RANK = 8;

/** Most bytes of a weight tensor's UTF-8 name, which a u8 length prefixes. */
const MAX_TENSOR_NAME_BYTES = 255;

/**
 * Encoded compact topologies by topology object. The host encodes each
 * snapshot for its broadcast and for joining viewers, and the training feed
 * keeps one topology object while the model stays the same, so the JSON is
 * built once per model.
 */
const encodedTopologies = new WeakMap<ModelTopology, Uint8Array>();

export function encodeHello(seq: number, body: HelloBody): Uint8Array {
  return encodeJson(FrameType.Hello, seq, body.status.step, body);
}

export function encodeRunStarted(seq: number, body: HelloBody): Uint8Array {
  return encodeJson(FrameType.RunStarted, seq, body.status.step, body);
}

export function encodeStatus(seq: number, status: HostStatus): Uint8Array {
  return encodeJson(FrameType.Status, seq, status.step, status);
}

export function encodeError(seq: number, body: ErrorBody): Uint8Array {
  return encodeJson(FrameType.Error, seq, 0, body);
}

export function encodeGallerySnapshot(seq: number, body: GallerySnapshotBody): Uint8Array {
  return encodeJson(FrameType.GallerySnapshot, seq, 0, body);
}

export function encodeGalleryItems(seq: number, items: readonly GalleryItem[]): Uint8Array {
  return encodeJson(FrameType.GalleryItems, seq, 0, items);
}

export function encodeGalleryRemoved(seq: number, ids: readonly number[]): Uint8Array {
  return encodeJson(FrameType.GalleryRemoved, seq, 0, { ids });
}

export function encodeGallerySubmitted(seq: number, item: GalleryItem): Uint8Array {
  return encodeJson(FrameType.GallerySubmitted, seq, item.step, item);
}

/** Encodes a count, then each tally as a u32 item id and a u32 vote count. */
export function encodeGalleryVotes(seq: number, tallies: readonly VoteTally[]): Uint8Array {
  const { bytes, view } = allocate(FrameType.GalleryVotes, seq, 0, 4 + tallies.length * TALLY_RECORD_BYTES);
  view.setUint32(HEADER_BYTES, tallies.length, true);
  let offset = HEADER_BYTES + 4;
  for (const tally of tallies) {
    view.setUint32(offset, tally.id, true);
    view.setUint32(offset + 4, tally.votes, true);
    offset += TALLY_RECORD_BYTES;
  }
  return bytes;
}

export function encodePollState(seq: number, body: PollsState): Uint8Array {
  return encodeJson(FrameType.PollState, seq, 0, body);
}

export function encodePollResult(seq: number, body: PollResult): Uint8Array {
  return encodeJson(FrameType.PollResult, seq, 0, body);
}

export function encodePollVoted(seq: number, body: PollVote): Uint8Array {
  return encodeJson(FrameType.PollVoted, seq, 0, body);
}

/** Encodes the poll id (u32), the option count (u32), then each option's votes (u32). */
export function encodePollTallies(seq: number, body: PollTalliesBody): Uint8Array {
  const { bytes, view } = allocate(FrameType.PollTallies, seq, 0, 8 + body.tallies.length * 4);
  view.setUint32(HEADER_BYTES, body.pollId, true);
  view.setUint32(HEADER_BYTES + 4, body.tallies.length, true);
  body.tallies.forEach((votes, i) => view.setUint32(HEADER_BYTES + 8 + i * 4, votes, true));
  return bytes;
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
    view.setUint32(offset + 8, Math.max(0, Math.round(point.elapsedMs)), true);
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
    // A VAE's loss terms; NaN marks a model without them.
    view.setFloat32(offset + 24, summary.trainReconstructionLoss ?? NaN, true);
    view.setFloat32(offset + 28, summary.trainKlLoss ?? NaN, true);
    view.setFloat32(offset + 32, summary.validationReconstructionLoss ?? NaN, true);
    view.setFloat32(offset + 36, summary.validationKlLoss ?? NaN, true);
    offset += EPOCH_RECORD_BYTES;
  }
  return bytes;
}

export function encodeProbes(seq: number, probes: ProbeImages): Uint8Array {
  checkImageBytes(probes.images, probes.count, 'probe');
  if (probes.labels.length !== probes.count) throw new FrameError(`${probes.count} probe images need ${probes.count} labels`);

  const imageBytes = probes.count * IMAGE_PIXELS;
  const { bytes, view } = allocate(FrameType.Probes, seq, 0, 4 + imageBytes + probes.count);
  writeImageHeader(view, HEADER_BYTES, probes.count);
  bytes.set(probes.images, HEADER_BYTES + 4);
  bytes.set(probes.labels, HEADER_BYTES + 4 + imageBytes);
  return bytes;
}

export function encodeReconstructions(seq: number, set: ReconstructionOutputs): Uint8Array {
  checkImageBytes(set.outputs, set.count, 'reconstruction');
  const { bytes, view } = allocate(FrameType.Reconstructions, seq, set.step, 8 + set.outputs.length);
  view.setUint32(HEADER_BYTES, set.epoch, true);
  writeImageHeader(view, HEADER_BYTES + 4, set.count);
  bytes.set(set.outputs, HEADER_BYTES + 8);
  return bytes;
}

/**
 * Encodes a ModelSnapshot of the encoder or the decoder. The body starts with
 * the compact topology (see compactTopology) as a u32 byte length and UTF-8
 * JSON, then a u16 tensor count. Each tensor follows in `getWeights()` order:
 * a u8 name length and the UTF-8 name, a u8 rank and a u32 per dimension, a
 * float32 scale (the tensor's largest magnitude / 127) and one int8 per value.
 * Weights take a quarter of their float32 size. `quantiseSnapshot` returns
 * what a page decodes, so the host computes with the same weights.
 */
export function encodeModelSnapshot(
  type: FrameType.EncoderWeights | FrameType.DecoderWeights,
  seq: number,
  snapshot: ModelSnapshot,
): Uint8Array {
  if (snapshot.weights.length > 0xffff) throw new FrameError(`a weight frame has room for at most 65535 tensors, got ${snapshot.weights.length}`);
  snapshot.weights.forEach(checkTensor);
  const topology = encodedTopology(snapshot.topology);
  const names = snapshot.weights.map((weight) => encodeTensorName(weight));
  const tensorBytes = snapshot.weights.reduce((sum, weight, i) => sum + 2 + names[i].length + 4 * weight.shape.length + 4 + weight.values.length, 0);

  const { bytes, view } = allocate(type, seq, snapshot.step, 4 + topology.length + 2 + tensorBytes);
  view.setUint32(HEADER_BYTES, topology.length, true);
  bytes.set(topology, HEADER_BYTES + 4);
  let offset = HEADER_BYTES + 4 + topology.length;
  view.setUint16(offset, snapshot.weights.length, true);
  offset += 2;

  snapshot.weights.forEach((weight, i) => {
    view.setUint8(offset, names[i].length);
    bytes.set(names[i], offset + 1);
    offset += 1 + names[i].length;
    view.setUint8(offset, weight.shape.length);
    weight.shape.forEach((size, d) => view.setUint32(offset + 1 + 4 * d, size, true));
    offset += 1 + 4 * weight.shape.length;
    view.setFloat32(offset, quantiseInto(weight.values, bytes, offset + 4), true);
    offset += 4 + weight.values.length;
  });
  return bytes;
}

/**
 * Returns the snapshot as a page receives it: the compact topology, and each
 * tensor rounded to int8 steps of its scale.
 */
export function quantiseSnapshot(snapshot: ModelSnapshot): ModelSnapshot {
  const frame = decodeFrame(encodeModelSnapshot(FrameType.DecoderWeights, 0, snapshot));
  return frame.body as ModelSnapshot;
}

/** Encodes codes as float32 and labels as bytes, after four float32 statistics per dimension. */
export function encodeLatentMap(seq: number, map: LatentMap): Uint8Array {
  if (map.codes.length !== map.count * map.dims || map.labels.length !== map.count) {
    throw new FrameError(`latent map of ${map.count} codes of ${map.dims} values has ${map.codes.length} values and ${map.labels.length} labels`);
  }
  const statistics = [map.min, map.max, map.mean, map.std];
  if (statistics.some((values) => values.length !== map.dims)) throw new FrameError(`latent map statistics need ${map.dims} values each`);

  const { bytes, view } = allocate(FrameType.LatentMap, seq, map.step, 10 + 4 * (4 * map.dims + map.codes.length) + map.count);
  view.setUint32(HEADER_BYTES, map.epoch, true);
  view.setUint16(HEADER_BYTES + 4, map.dims, true);
  view.setUint32(HEADER_BYTES + 6, map.count, true);

  let offset = HEADER_BYTES + 10;
  for (const values of [...statistics, map.codes]) {
    for (const value of values) {
      view.setFloat32(offset, value, true);
      offset += 4;
    }
  }
  bytes.set(map.labels, offset);
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
    case FrameType.Probes:
      return { type, seq, step, body: decodeProbes(bytes, view) };
    case FrameType.DecoderWeights:
    case FrameType.EncoderWeights:
      return { type, seq, step, body: decodeModelSnapshot(bytes, view, step) };
    case FrameType.LatentMap:
      return { type, seq, step, body: decodeLatentMap(bytes, view, step) };
    case FrameType.GallerySnapshot:
      return { type, seq, step, body: decodeJson(bytes) as GallerySnapshotBody };
    case FrameType.GalleryItems:
      return { type, seq, step, body: decodeJson(bytes) as GalleryItem[] };
    case FrameType.GalleryVotes:
      return { type, seq, step, body: decodeGalleryVotes(view) };
    case FrameType.GalleryRemoved:
      return { type, seq, step, body: decodeJson(bytes) as GalleryRemovedBody };
    case FrameType.GallerySubmitted:
      return { type, seq, step, body: decodeJson(bytes) as GalleryItem };
    case FrameType.PollState:
      return { type, seq, step, body: decodeJson(bytes) as PollsState };
    case FrameType.PollTallies:
      return { type, seq, step, body: decodePollTallies(view) };
    case FrameType.PollResult:
      return { type, seq, step, body: decodeJson(bytes) as PollResult };
    case FrameType.PollVoted:
      return { type, seq, step, body: decodeJson(bytes) as PollVote };
    case FrameType.Error:
      return { type, seq, step, body: decodeJson(bytes) as ErrorBody };
    case FrameType.RunStarted:
      return { type, seq, step, body: decodeJson(bytes) as HelloBody };
    case FrameType.ReconstructionHistory:
      return { type, seq, step, body: decodeReconstructionHistory(new FrameReader(bytes)) };
    case FrameType.ReconstructionAdded:
      return { type, seq, step, body: decodeReconstructionAdded(new FrameReader(bytes)) };
    case FrameType.WeightHistogramHistory:
      return { type, seq, step, body: decodeWeightHistogramHistory(new FrameReader(bytes)) };
    case FrameType.WeightHistogramAdded:
      return { type, seq, step, body: decodeWeightHistogramAdded(new FrameReader(bytes)) };
    default:
      throw new FrameError(`unknown frame type ${type}`);
  }
}

function decodeStepLosses(view: DataView): StepLoss[] {
  const count = readCount(view, STEP_RECORD_BYTES, 'step-loss');
  const points: StepLoss[] = new Array(count);
  let offset = HEADER_BYTES + 4;
  for (let i = 0; i < count; i++) {
    points[i] = {
      step: view.getUint32(offset, true),
      loss: view.getFloat32(offset + 4, true),
      elapsedMs: view.getUint32(offset + 8, true),
    };
    offset += STEP_RECORD_BYTES;
  }
  return points;
}

function decodeGalleryVotes(view: DataView): VoteTally[] {
  const count = readCount(view, TALLY_RECORD_BYTES, 'gallery vote');
  const tallies: VoteTally[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const offset = HEADER_BYTES + 4 + i * TALLY_RECORD_BYTES;
    tallies[i] = { id: view.getUint32(offset, true), votes: view.getUint32(offset + 4, true) };
  }
  return tallies;
}

function decodePollTallies(view: DataView): PollTalliesBody {
  if (view.byteLength < HEADER_BYTES + 8) throw new FrameError('poll tally frame is truncated before its option count');
  const pollId = view.getUint32(HEADER_BYTES, true);
  const count = view.getUint32(HEADER_BYTES + 4, true);
  const expected = HEADER_BYTES + 8 + count * 4;
  if (view.byteLength !== expected) throw new FrameError(`poll tally frame has ${view.byteLength} bytes; ${count} options need ${expected}`);

  const tallies = Array.from({ length: count }, (_, i) => view.getUint32(HEADER_BYTES + 8 + i * 4, true));
  return { pollId, tallies };
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
    setIfNumber(epochs[i], 'trainReconstructionLoss', view.getFloat32(offset + 24, true));
    setIfNumber(epochs[i], 'trainKlLoss', view.getFloat32(offset + 28, true));
    setIfNumber(epochs[i], 'validationReconstructionLoss', view.getFloat32(offset + 32, true));
    setIfNumber(epochs[i], 'validationKlLoss', view.getFloat32(offset + 36, true));
    offset += EPOCH_RECORD_BYTES;
  }
  return epochs;
}

/** Sets an optional field of an epoch summary unless the frame carries NaN for it. */
function setIfNumber(summary: EpochSummary, key: 'trainReconstructionLoss' | 'trainKlLoss' | 'validationReconstructionLoss' | 'validationKlLoss', value: number): void {
  if (!Number.isNaN(value)) summary[key] = value;
}

function decodeReconstructions(bytes: Uint8Array, view: DataView, step: number): ReconstructionOutputs {
  if (bytes.length < HEADER_BYTES + 8) throw new FrameError('reconstruction frame is truncated before its image count');
  const epoch = view.getUint32(HEADER_BYTES, true);
  const count = readImageHeader(view, HEADER_BYTES + 4, 'reconstruction');
  const start = HEADER_BYTES + 8;
  expectLength(bytes, start + count * IMAGE_PIXELS, `reconstruction frame of ${count} images`);
  return { epoch, step, count, outputs: bytes.slice(start) };
}

function decodeProbes(bytes: Uint8Array, view: DataView): ProbeImages {
  if (bytes.length < HEADER_BYTES + 4) throw new FrameError('probe frame is truncated before its image count');
  const count = readImageHeader(view, HEADER_BYTES, 'probe');
  const start = HEADER_BYTES + 4;
  const imageEnd = start + count * IMAGE_PIXELS;
  expectLength(bytes, imageEnd + count, `probe frame of ${count} images`);
  return { count, images: bytes.slice(start, imageEnd), labels: bytes.slice(imageEnd) };
}

function decodeModelSnapshot(bytes: Uint8Array, view: DataView, step: number): ModelSnapshot {
  if (bytes.length < HEADER_BYTES + 4) throw new FrameError('weight frame is truncated before its topology length');
  const topologyLength = view.getUint32(HEADER_BYTES, true);
  let offset = HEADER_BYTES + 4 + topologyLength;
  if (bytes.length < offset + 2) throw new FrameError(`weight frame is truncated in its topology of ${topologyLength} bytes`);
  const topology = parseTopology(bytes.subarray(HEADER_BYTES + 4, offset));

  const count = view.getUint16(offset, true);
  offset += 2;
  const weights: WeightTensor[] = [];
  for (let i = 0; i < count; i++) {
    const truncated = () => new FrameError(`weight frame is truncated in tensor ${i + 1} of ${count}`);
    if (bytes.length < offset + 1) throw truncated();
    const nameLength = view.getUint8(offset);
    if (bytes.length < offset + 2 + nameLength) throw truncated();
    const name = new TextDecoder().decode(bytes.subarray(offset + 1, offset + 1 + nameLength));
    offset += 1 + nameLength;

    const rank = view.getUint8(offset);
    if (rank > MAX_TENSOR_RANK) throw new FrameError(`weight tensor ${i + 1} (${name}) has rank ${rank}; the most is ${MAX_TENSOR_RANK}`);
    if (bytes.length < offset + 1 + 4 * rank + 4) throw truncated();
    const shape = Array.from({ length: rank }, (_, d) => view.getUint32(offset + 1 + 4 * d, true));
    offset += 1 + 4 * rank;

    const scale = view.getFloat32(offset, true);
    const size = shape.reduce((product, dim) => product * dim, 1);
    offset += 4;
    if (bytes.length < offset + size) throw truncated();
    weights.push({ name, shape, values: dequantise(bytes, offset, size, scale) });
    offset += size;
  }
  expectLength(bytes, offset, `weight frame of ${count} tensors`);
  return { step, topology, weights };
}

function decodeLatentMap(bytes: Uint8Array, view: DataView, step: number): LatentMap {
  if (bytes.length < HEADER_BYTES + 10) throw new FrameError('latent map frame is truncated before its sizes');
  const epoch = view.getUint32(HEADER_BYTES, true);
  const dims = view.getUint16(HEADER_BYTES + 4, true);
  const count = view.getUint32(HEADER_BYTES + 6, true);
  const floats = 4 * dims + count * dims;
  expectLength(bytes, HEADER_BYTES + 10 + 4 * floats + count, `latent map frame of ${count} codes of ${dims} values`);

  let offset = HEADER_BYTES + 10;
  const readFloats = (length: number) => {
    const values = new Float32Array(length);
    for (let i = 0; i < length; i++) values[i] = view.getFloat32(offset + 4 * i, true);
    offset += 4 * length;
    return values;
  };
  const [min, max, mean, std] = [readFloats(dims), readFloats(dims), readFloats(dims), readFloats(dims)];
  const codes = readFloats(count * dims);
  return { epoch, step, dims, count, codes, labels: bytes.slice(offset), min, max, mean, std };
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

function checkImageBytes(images: Uint8Array, count: number, what: string): void {
  if (images.length !== count * IMAGE_PIXELS) {
    throw new FrameError(`${count} ${what} images need ${count * IMAGE_PIXELS} bytes, got ${images.length}`);
  }
}

/** Writes an image count (u16) and the image width and height (u8 each). */
function writeImageHeader(view: DataView, offset: number, count: number): void {
  view.setUint16(offset, count, true);
  view.setUint8(offset + 2, IMAGE_SIZE);
  view.setUint8(offset + 3, IMAGE_SIZE);
}

/** Reads an image count and checks that the images are 28x28. */
function readImageHeader(view: DataView, offset: number, what: string): number {
  const width = view.getUint8(offset + 2);
  const height = view.getUint8(offset + 3);
  if (width !== IMAGE_SIZE || height !== IMAGE_SIZE) {
    throw new FrameError(`${what} images are ${width}x${height}; expected ${IMAGE_SIZE}x${IMAGE_SIZE}`);
  }
  return view.getUint16(offset, true);
}

function expectLength(bytes: Uint8Array, expected: number, what: string): void {
  if (bytes.length !== expected) throw new FrameError(`${what} needs ${expected} bytes, got ${bytes.length}`);
}

/** Writes `values` as int8 into `bytes` at `offset` and returns the scale that restores them. */
function quantiseInto(values: Float32Array, bytes: Uint8Array, offset: number): number {
  let maxMagnitude = 0;
  for (const value of values) maxMagnitude = Math.max(maxMagnitude, Math.abs(value));
  const scale = maxMagnitude > 0 ? maxMagnitude / 127 : 1;

  const target = new Int8Array(bytes.buffer, bytes.byteOffset + offset, values.length);
  for (let i = 0; i < values.length; i++) target[i] = Math.round(values[i] / scale);
  return scale;
}

function dequantise(bytes: Uint8Array, offset: number, length: number, scale: number): Float32Array {
  const source = new Int8Array(bytes.buffer, bytes.byteOffset + offset, length);
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = source[i] * scale;
  return values;
}

/** Returns the compact topology as UTF-8 JSON, encoded once per topology object. */
function encodedTopology(topology: ModelTopology): Uint8Array {
  let encoded = encodedTopologies.get(topology);
  if (!encoded) {
    encoded = new TextEncoder().encode(JSON.stringify(compactTopology(topology)));
    encodedTopologies.set(topology, encoded);
  }
  return encoded;
}

function encodeTensorName(weight: WeightTensor): Uint8Array {
  const name = new TextEncoder().encode(weight.name);
  if (name.length > MAX_TENSOR_NAME_BYTES) {
    throw new FrameError(`weight tensor name "${weight.name}" has ${name.length} bytes; the most is ${MAX_TENSOR_NAME_BYTES}`);
  }
  return name;
}

function checkTensor(weight: WeightTensor): void {
  if (weight.shape.length > MAX_TENSOR_RANK) throw new FrameError(`weight tensor ${weight.name} has rank ${weight.shape.length}; the most is ${MAX_TENSOR_RANK}`);
  const size = weight.shape.reduce((product, dim) => product * dim, 1);
  if (!weight.shape.every((dim) => Number.isInteger(dim) && dim >= 0 && dim <= 0xffffffff) || size !== weight.values.length) {
    throw new FrameError(`weight tensor ${weight.name} of shape [${weight.shape}] has ${weight.values.length} values`);
  }
}

function parseTopology(json: Uint8Array): ModelTopology {
  let topology: unknown;
  try {
    topology = JSON.parse(new TextDecoder().decode(json));
  } catch (error) {
    throw new FrameError(`weight frame topology does not parse: ${(error as Error).message}`);
  }
  if (typeof topology !== 'object' || topology === null || Array.isArray(topology)) throw new FrameError('weight frame topology is not a JSON object');
  return topology as ModelTopology;
}

// History frames: the reconstructions and weight histograms the host keeps
// of a run. They are read and written through FrameWriter and FrameReader,
// which check every length as they go.

/** Encodes the probe images and the host's reconstructions of them. */
export function encodeReconstructionHistory(seq: number, body: ReconstructionHistoryBody): Uint8Array {
  const lastStep = body.entries.at(-1)?.step ?? 0;
  const writer = new FrameWriter(FrameType.ReconstructionHistory, seq, lastStep);
  writer.u16(body.capacity);
  checkImageBytes(body.probes.images, body.probes.count, 'probe');
  if (body.probes.labels.length !== body.probes.count) throw new FrameError(`${body.probes.count} probe images need ${body.probes.count} labels`);
  writer.imageHeader(body.probes.count);
  writer.bytes(body.probes.images);
  writer.bytes(body.probes.labels);

  writer.u16(body.entries.length);
  for (const entry of body.entries) {
    if (entry.count !== body.probes.count) throw new FrameError(`reconstruction at step ${entry.step} has ${entry.count} images; the probes have ${body.probes.count}`);
    checkImageBytes(entry.outputs, entry.count, 'reconstruction');
    writer.u32(entry.epoch);
    writer.u32(entry.step);
    writer.bytes(entry.outputs);
  }
  return writer.finish();
}

/** Encodes one reconstruction added to the history and the steps kept after it. */
export function encodeReconstructionAdded(seq: number, body: ReconstructionAddedBody): Uint8Array {
  const { entry } = body;
  checkImageBytes(entry.outputs, entry.count, 'reconstruction');
  const writer = new FrameWriter(FrameType.ReconstructionAdded, seq, entry.step);
  writer.u32(entry.epoch);
  writer.u32(entry.step);
  writer.imageHeader(entry.count);
  writer.bytes(entry.outputs);
  writer.steps(body.retainedSteps);
  return writer.finish();
}

/** Encodes the weight histograms of every snapshot the host keeps. */
export function encodeWeightHistogramHistory(seq: number, body: WeightHistogramHistoryBody): Uint8Array {
  const writer = new FrameWriter(FrameType.WeightHistogramHistory, seq, body.entries.at(-1)?.step ?? 0);
  writer.u16(body.capacity);
  writeHistogramLayout(writer, body);
  writer.u16(body.entries.length);
  for (const entry of body.entries) writeHistogramEntry(writer, body, entry);
  return writer.finish();
}

/** Encodes the weight histograms of one snapshot added to the history and the steps kept after it. */
export function encodeWeightHistogramAdded(seq: number, body: WeightHistogramAddedBody): Uint8Array {
  const writer = new FrameWriter(FrameType.WeightHistogramAdded, seq, body.entry.step);
  writeHistogramLayout(writer, body);
  writeHistogramEntry(writer, body, body.entry);
  writer.steps(body.retainedSteps);
  return writer.finish();
}

function decodeReconstructionHistory(reader: FrameReader): ReconstructionHistoryBody {
  const capacity = reader.u16('capacity');
  const count = reader.imageHeader('probe');
  const images = reader.bytes(count * IMAGE_PIXELS, 'probe images');
  const labels = reader.bytes(count, 'probe labels');

  const entryCount = reader.u16('entry count');
  const entries: ReconstructionOutputs[] = [];
  for (let i = 0; i < entryCount; i++) {
    const epoch = reader.u32('epoch');
    const step = reader.u32('step');
    entries.push({ epoch, step, count, outputs: reader.bytes(count * IMAGE_PIXELS, `reconstruction ${i + 1}`) });
  }
  reader.end('reconstruction history frame');
  return { capacity, probes: { count, images, labels }, entries };
}

function decodeReconstructionAdded(reader: FrameReader): ReconstructionAddedBody {
  const epoch = reader.u32('epoch');
  const step = reader.u32('step');
  const count = reader.imageHeader('reconstruction');
  const outputs = reader.bytes(count * IMAGE_PIXELS, 'reconstruction images');
  const retainedSteps = reader.steps();
  reader.end('reconstruction added frame');
  return { entry: { epoch, step, count, outputs }, retainedSteps };
}

function decodeWeightHistogramHistory(reader: FrameReader): WeightHistogramHistoryBody {
  const capacity = reader.u16('capacity');
  const layout = readHistogramLayout(reader);
  const entryCount = reader.u16('entry count');
  const entries: WeightHistogramEntry[] = [];
  for (let i = 0; i < entryCount; i++) entries.push(readHistogramEntry(reader, layout));
  reader.end('weight histogram history frame');
  return { capacity, ...layout, entries };
}

function decodeWeightHistogramAdded(reader: FrameReader): WeightHistogramAddedBody {
  const layout = readHistogramLayout(reader);
  const entry = readHistogramEntry(reader, layout);
  const retainedSteps = reader.steps();
  reader.end('weight histogram added frame');
  return { ...layout, entry, retainedSteps };
}

/** Writes the bin count, then each tensor's name (u8 length and UTF-8) and value count (u32). */
function writeHistogramLayout(writer: FrameWriter, layout: WeightHistogramLayout): void {
  if (layout.names.length !== layout.sizes.length) throw new FrameError(`${layout.names.length} tensor names need ${layout.names.length} sizes, got ${layout.sizes.length}`);
  writer.u16(layout.bins);
  writer.u16(layout.names.length);
  layout.names.forEach((name, i) => {
    const encoded = new TextEncoder().encode(name);
    if (encoded.length > MAX_TENSOR_NAME_BYTES) throw new FrameError(`tensor name "${name}" is longer than ${MAX_TENSOR_NAME_BYTES} bytes`);
    writer.u8(encoded.length);
    writer.bytes(encoded);
    writer.u32(layout.sizes[i]);
  });
}

/** Writes the step, then each tensor's minimum and maximum (f32) and bin shares (u16). */
function writeHistogramEntry(writer: FrameWriter, layout: WeightHistogramLayout, entry: WeightHistogramEntry): void {
  if (entry.tensors.length !== layout.names.length) throw new FrameError(`histograms at step ${entry.step} cover ${entry.tensors.length} tensors, not ${layout.names.length}`);
  writer.u32(entry.step);
  for (const tensor of entry.tensors) {
    if (tensor.shares.length !== layout.bins) throw new FrameError(`a histogram at step ${entry.step} has ${tensor.shares.length} bins, not ${layout.bins}`);
    writer.f32(tensor.min);
    writer.f32(tensor.max);
    for (const share of tensor.shares) writer.u16(share);
  }
}

function readHistogramLayout(reader: FrameReader): WeightHistogramLayout {
  const bins = reader.u16('bin count');
  const tensorCount = reader.u16('tensor count');
  const names: string[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const nameBytes = reader.bytes(reader.u8('name length'), `name of tensor ${i + 1}`);
    names.push(new TextDecoder().decode(nameBytes));
    sizes.push(reader.u32(`size of tensor ${i + 1}`));
  }
  return { names, sizes, bins };
}

function readHistogramEntry(reader: FrameReader, layout: WeightHistogramLayout): WeightHistogramEntry {
  const step = reader.u32('step');
  const tensors: TensorHistogram[] = layout.names.map((name) => {
    const min = reader.f32(`minimum of ${name}`);
    const max = reader.f32(`maximum of ${name}`);
    const shares = new Uint16Array(layout.bins);
    for (let b = 0; b < layout.bins; b++) shares[b] = reader.u16(`bins of ${name}`);
    return { min, max, shares };
  });
  return { step, tensors };
}

/** Builds a frame of a size not known in advance, doubling its buffer as it grows. */
class FrameWriter {
  private buffer = new Uint8Array(1024);
  private view = new DataView(this.buffer.buffer);
  private offset = HEADER_BYTES;

  constructor(type: FrameType, seq: number, step: number) {
    this.view.setUint8(0, PROTOCOL_VERSION);
    this.view.setUint8(1, type);
    this.view.setUint32(2, seq >>> 0, true);
    this.view.setUint32(6, step >>> 0, true);
  }

  // Each writer reserves before it reads this.view or this.buffer, because reserving may replace them.
  u8(value: number): void {
    const offset = this.reserve(1);
    this.view.setUint8(offset, value);
  }

  u16(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new FrameError(`${value} does not fit a u16 field`);
    const offset = this.reserve(2);
    this.view.setUint16(offset, value, true);
  }

  u32(value: number): void {
    const offset = this.reserve(4);
    this.view.setUint32(offset, value >>> 0, true);
  }

  f32(value: number): void {
    const offset = this.reserve(4);
    this.view.setFloat32(offset, value, true);
  }

  bytes(values: Uint8Array): void {
    const offset = this.reserve(values.length);
    this.buffer.set(values, offset);
  }

  /** Writes an image count (u16) and the image width and height (u8 each). */
  imageHeader(count: number): void {
    const offset = this.reserve(4);
    writeImageHeader(this.view, offset, count);
  }

  /** Writes a u16 count and that many u32 steps. */
  steps(steps: readonly number[]): void {
    this.u16(steps.length);
    for (const step of steps) this.u32(step);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.offset);
  }

  /** Makes room for `length` more bytes and returns the offset to write them at. */
  private reserve(length: number): number {
    if (this.offset + length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.offset + length));
      grown.set(this.buffer);
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    const start = this.offset;
    this.offset += length;
    return start;
  }
}

/** Reads a frame body front to back, throwing FrameError that names the field when bytes run out. */
class FrameReader {
  private readonly view: DataView;
  private offset = HEADER_BYTES;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  u8(what: string): number {
    return this.view.getUint8(this.take(1, what));
  }

  u16(what: string): number {
    return this.view.getUint16(this.take(2, what), true);
  }

  u32(what: string): number {
    return this.view.getUint32(this.take(4, what), true);
  }

  f32(what: string): number {
    return this.view.getFloat32(this.take(4, what), true);
  }

  /** Returns a copy of the next `length` bytes. */
  bytes(length: number, what: string): Uint8Array {
    const start = this.take(length, what);
    return this.data.slice(start, start + length);
  }

  /** Reads an image count and checks that the images are 28x28. */
  imageHeader(what: string): number {
    return readImageHeader(this.view, this.take(4, `${what} image header`), what);
  }

  /** Reads a u16 count and that many u32 steps. */
  steps(): number[] {
    const count = this.u16('retained step count');
    return Array.from({ length: count }, () => this.u32('retained steps'));
  }

  /** Checks that every byte was read. */
  end(what: string): void {
    if (this.offset !== this.data.length) throw new FrameError(`${what} has ${this.data.length - this.offset} bytes after its last field`);
  }

  private take(length: number, what: string): number {
    if (this.offset + length > this.data.length) throw new FrameError(`frame is truncated in its ${what}`);
    const start = this.offset;
    this.offset += length;
    return start;
  }
}
