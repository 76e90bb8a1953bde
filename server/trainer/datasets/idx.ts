// Parser for the IDX format of the MNIST files: a big-endian header (magic
// number, then one 32-bit size per dimension) followed by unsigned bytes.

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/training';

/** Magic number of an IDX file of unsigned bytes with three dimensions (count, rows, columns). */
export const IDX_IMAGES_MAGIC = 0x00000803;

/** Magic number of an IDX file of unsigned bytes with one dimension (count). */
export const IDX_LABELS_MAGIC = 0x00000801;

const IMAGES_HEADER_BYTES = 16;
const LABELS_HEADER_BYTES = 8;

/** An IDX file whose content does not match its header or the expected layout. */
export class IdxFormatError extends Error {
  override name = 'IdxFormatError';
}

/**
 * Returns the images of an IDX image file as a view into `bytes`. Raises
 * IdxFormatError unless the magic number, the 28 × 28 size and the file length are valid.
 */
export function parseIdxImages(bytes: Uint8Array): { images: Uint8Array; count: number } {
  checkHeader(bytes, IMAGES_HEADER_BYTES, IDX_IMAGES_MAGIC, 'IDX image file');

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(4);
  const rows = view.getUint32(8);
  const columns = view.getUint32(12);
  if (rows !== IMAGE_SIZE || columns !== IMAGE_SIZE) {
    throw new IdxFormatError(`images are ${rows}×${columns}, expected ${IMAGE_SIZE}×${IMAGE_SIZE}`);
  }

  checkLength(bytes, IMAGES_HEADER_BYTES + count * IMAGE_PIXELS, `${count} images`);
  return { images: bodyOf(bytes, IMAGES_HEADER_BYTES), count };
}

/**
 * Returns the labels of an IDX label file as a view into `bytes`. Raises
 * IdxFormatError unless the magic number and the file length are valid.
 */
export function parseIdxLabels(bytes: Uint8Array): { labels: Uint8Array; count: number } {
  checkHeader(bytes, LABELS_HEADER_BYTES, IDX_LABELS_MAGIC, 'IDX label file');

  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4);
  checkLength(bytes, LABELS_HEADER_BYTES + count, `${count} labels`);
  return { labels: bodyOf(bytes, LABELS_HEADER_BYTES), count };
}

function checkHeader(bytes: Uint8Array, headerBytes: number, magic: number, kind: string): void {
  if (bytes.byteLength < headerBytes) {
    throw new IdxFormatError(
      `file is ${bytes.byteLength} bytes, shorter than the ${headerBytes}-byte header of an ${kind}`,
    );
  }

  const actual = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (actual !== magic) {
    throw new IdxFormatError(`magic number ${formatHex(actual)}, expected ${formatHex(magic)} (${kind})`);
  }
}

function checkLength(bytes: Uint8Array, expected: number, content: string): void {
  if (bytes.byteLength !== expected) {
    throw new IdxFormatError(
      `file is ${bytes.byteLength} bytes, expected ${expected} bytes for the ${content} in its header`,
    );
  }
}

/** Returns the bytes after the header as a plain Uint8Array, even when `bytes` is a Node Buffer. */
function bodyOf(bytes: Uint8Array, headerBytes: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, bytes.byteLength - headerBytes);
}

function formatHex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
