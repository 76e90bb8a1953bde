// The checkpoint file format: one self-checking file, so that a single
// rename makes a save visible and a damaged file is recognised on load.
//
//   bytes 0-7     magic "LCCKPT\r\n"
//   bytes 8-11    format version, uint32 little-endian
//   bytes 12-15   header length H in bytes, uint32 little-endian
//   16 .. 16+H    header: the checkpoint as UTF-8 JSON, every typed array
//                 replaced by {"$blob": index} into the header's `blobs` table
//   then          the blobs, each starting at a multiple of 8 bytes from the
//                 start of the blob section, little-endian like the rest
//   last 32       SHA-256 of every byte before it
//
// Weights and loss history travel as raw arrays, so a checkpoint of the
// default 784-8-784 model with Adam's two slots per weight is about 180 KB,
// one of --model deep about 6 MB, and each training step adds 12 bytes.

import { createHash } from 'node:crypto';
import { endianness } from 'node:os';

import type { Checkpoint } from './checkpoint';
import { CheckpointFormatError } from './errors';
import { validateCheckpoint } from './schema';

export const CHECKPOINT_FORMAT_VERSION = 1;

const MAGIC = Buffer.from('LCCKPT\r\n', 'latin1');
const PREAMBLE_BYTES = 16;
const CHECKSUM_BYTES = 32;
const BLOB_ALIGNMENT = 8;

type TypedArray = Float32Array | Uint32Array | Uint8Array;

const BLOB_TYPES = {
  float32: Float32Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
} as const;

type BlobType = keyof typeof BLOB_TYPES;

/** Position of one typed array in the blob section. */
interface BlobEntry {
  type: BlobType;
  /** Bytes from the start of the blob section. */
  offset: number;
  byteLength: number;
}

/** Encodes `checkpoint` into the bytes of a checkpoint file. */
export function encodeCheckpoint(checkpoint: Checkpoint): Buffer {
  requireLittleEndian();
  const arrays: TypedArray[] = [];
  const body = replaceTypedArrays(checkpoint, arrays);

  const entries: BlobEntry[] = [];
  let blobBytes = 0;
  for (const array of arrays) {
    entries.push({ type: blobType(array), offset: blobBytes, byteLength: array.byteLength });
    blobBytes += alignUp(array.byteLength);
  }

  const header = Buffer.from(JSON.stringify({ ...(body as object), blobs: entries }), 'utf8');
  const blobStart = alignUp(PREAMBLE_BYTES + header.length);
  const file = Buffer.alloc(blobStart + blobBytes + CHECKSUM_BYTES);

  MAGIC.copy(file, 0);
  file.writeUInt32LE(CHECKPOINT_FORMAT_VERSION, 8);
  file.writeUInt32LE(header.length, 12);
  header.copy(file, PREAMBLE_BYTES);
  arrays.forEach((array, index) => {
    const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    bytes.copy(file, blobStart + entries[index].offset);
  });

  const checksumAt = file.length - CHECKSUM_BYTES;
  sha256(file.subarray(0, checksumAt)).copy(file, checksumAt);
  return file;
}

/** Decodes the bytes of a checkpoint file, or throws CheckpointFormatError naming the first problem found. */
export function decodeCheckpoint(file: Uint8Array): Checkpoint {
  requireLittleEndian();
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.length < PREAMBLE_BYTES + CHECKSUM_BYTES) {
    throw new CheckpointFormatError(`the file has ${bytes.length} bytes, too few for a checkpoint; it was cut short`);
  }
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new CheckpointFormatError('the file does not start like a latentcast checkpoint');

  const version = bytes.readUInt32LE(8);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointFormatError(`the file has checkpoint format version ${version}, and this latentcast reads only version ${CHECKPOINT_FORMAT_VERSION}`);
  }

  const checksumAt = bytes.length - CHECKSUM_BYTES;
  if (!sha256(bytes.subarray(0, checksumAt)).equals(bytes.subarray(checksumAt))) {
    throw new CheckpointFormatError('the SHA-256 checksum does not match the content; the file is damaged or was cut short');
  }

  const headerLength = bytes.readUInt32LE(12);
  const blobStart = alignUp(PREAMBLE_BYTES + headerLength);
  if (blobStart > checksumAt) throw new CheckpointFormatError(`the header length ${headerLength} runs past the end of the file`);

  const header = parseHeader(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength));
  const arrays = readBlobs(header.blobs, bytes.subarray(blobStart, checksumAt));
  delete header.blobs;
  return validateCheckpoint(restoreTypedArrays(header, arrays));
}

/** Parses the header JSON and checks that it is an object with a blob table. */
function parseHeader(bytes: Buffer): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new CheckpointFormatError(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || !Array.isArray((header as { blobs?: unknown }).blobs)) {
    throw new CheckpointFormatError('the header has no blob table');
  }
  return header as Record<string, unknown>;
}

/** Copies each blob out of the file into its own typed array, which also aligns it. */
function readBlobs(entries: unknown, section: Buffer): TypedArray[] {
  return (entries as unknown[]).map((entry, index) => {
    const { type, offset, byteLength } = (entry ?? {}) as Partial<BlobEntry>;
    const ArrayType = typeof type === 'string' && Object.hasOwn(BLOB_TYPES, type) ? BLOB_TYPES[type] : null;
    const validRange = Number.isInteger(offset) && Number.isInteger(byteLength) && offset! >= 0 && byteLength! >= 0 && offset! + byteLength! <= section.length;
    if (!ArrayType || !validRange || byteLength! % ArrayType.BYTES_PER_ELEMENT !== 0) {
      throw new CheckpointFormatError(`blob ${index} of the header (${JSON.stringify(entry)}) does not describe a range of the file`);
    }

    const copy = new Uint8Array(section.subarray(offset!, offset! + byteLength!));
    return new ArrayType(copy.buffer, 0, byteLength! / ArrayType.BYTES_PER_ELEMENT);
  });
}

/** Returns a copy of `value` with each typed array moved to `arrays` and replaced by its index. */
function replaceTypedArrays(value: unknown, arrays: TypedArray[]): unknown {
  if (value instanceof Float32Array || value instanceof Uint32Array || value instanceof Uint8Array) {
    arrays.push(value);
    return { $blob: arrays.length - 1 };
  }
  if (ArrayBuffer.isView(value)) throw new TypeError(`checkpoints store Float32Array, Uint32Array and Uint8Array, not ${value.constructor.name}`);
  if (Array.isArray(value)) return value.map((item) => replaceTypedArrays(item, arrays));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceTypedArrays(item, arrays)]));
  }
  return value;
}

/** Reverses replaceTypedArrays. */
function restoreTypedArrays(value: unknown, arrays: TypedArray[]): unknown {
  if (Array.isArray(value)) return value.map((item) => restoreTypedArrays(item, arrays));
  if (typeof value !== 'object' || value === null) return value;

  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$blob') {
    const index = (value as { $blob: unknown }).$blob;
    if (typeof index !== 'number' || !arrays[index]) throw new CheckpointFormatError(`the header refers to blob ${String(index)}, which does not exist`);
    return arrays[index];
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, restoreTypedArrays(item, arrays)]));
}

function blobType(array: TypedArray): BlobType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Uint32Array) return 'uint32';
  return 'uint8';
}

/** Typed arrays use the machine's byte order, which the file format fixes to little-endian. */
function requireLittleEndian(): void {
  if (endianness() !== 'LE') throw new CheckpointFormatError('checkpoints store little-endian arrays, and this machine is big-endian');
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / BLOB_ALIGNMENT) * BLOB_ALIGNMENT;
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}
