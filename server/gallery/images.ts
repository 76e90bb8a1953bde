// PNG images of the gallery: the stored 28×28 image and its upscaled copy.
//
// The stored image is encoded here with node:zlib instead of sharp. A 28×28
// grayscale PNG is one IHDR, one IDAT and one IEND chunk. sharp's per-image
// pipeline costs about 1.5 ms of CPU for it against 0.1 ms here (measured on
// the 2-core benchmark machine, see docs/benchmarks.md), and that cost limits
// how many submissions per second the host can take. sharp still scales
// images up, where its nearest-neighbour kernel does the work.

import { deflateSync } from 'node:zlib';

import sharp from 'sharp';

import { IMAGE_SIZE } from '../../shared/training';

/** Side of the upscaled PNG that `GET /api/gallery/:id.png` returns, in pixels: 10 screen pixels per image pixel. */
export const UPSCALED_SIZE = 280;

// The scanlines of one image are 812 bytes, so a 1 KiB window (2^10) covers
// all of them, and the smaller zlib state makes each call cheaper than the
// default 32 KiB window at the same output size.
const DEFLATE_OPTIONS = { windowBits: 10, memLevel: 2 };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG colour type 0: grayscale. */
const GRAYSCALE = 0;

/**
 * Encodes one 28×28 image of one byte per pixel as an 8-bit grayscale PNG
 * (PNG specification, ISO/IEC 15948). Deflate runs synchronously: for 812
 * bytes, handing the work to libuv's thread pool costs the main thread more
 * CPU time (about 0.6 ms) than compressing them in place (about 0.1 ms).
 */
export function encodePng(pixels: Uint8Array): Buffer {
  if (pixels.length !== IMAGE_SIZE * IMAGE_SIZE) throw new RangeError(`a ${IMAGE_SIZE}×${IMAGE_SIZE} image needs ${IMAGE_SIZE * IMAGE_SIZE} bytes, got ${pixels.length}`);

  // Each row starts with its filter type; 0 means the row is stored as is.
  const rowBytes = IMAGE_SIZE + 1;
  const scanlines = Buffer.alloc(rowBytes * IMAGE_SIZE);
  for (let y = 0; y < IMAGE_SIZE; y++) scanlines.set(pixels.subarray(y * IMAGE_SIZE, (y + 1) * IMAGE_SIZE), y * rowBytes + 1);

  const header = Buffer.alloc(13);
  header.writeUInt32BE(IMAGE_SIZE, 0);
  header.writeUInt32BE(IMAGE_SIZE, 4);
  header[8] = 8; // bits per sample
  header[9] = GRAYSCALE;
  // Bytes 10 to 12 stay 0: deflate compression, adaptive filtering, no interlace.

  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(scanlines, DEFLATE_OPTIONS)), chunk('IEND', Buffer.alloc(0))]);
}

/** Scales a stored PNG up to `size`×`size` with nearest-neighbour sampling, so each image pixel stays a crisp square. */
export function upscalePng(png: Buffer, size = UPSCALED_SIZE): Promise<Buffer> {
  return sharp(png).resize(size, size, { kernel: 'nearest' }).toColourspace('b-w').png().toBuffer();
}

/** Frames `data` as a PNG chunk: length, type, data and the CRC-32 of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

// zlib.crc32 exists only from Node.js 20.15 on, and the project supports 20.6.
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
