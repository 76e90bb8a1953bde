// PNG encoding of decoded images with sharp.

import sharp from 'sharp';

import { IMAGE_SIZE } from '../../shared/training';

/** Side of the upscaled PNG that `GET /api/gallery/:id.png` returns, in pixels: 10 screen pixels per image pixel. */
export const UPSCALED_SIZE = 280;

/** Encodes one 28×28 image of one byte per pixel as an 8-bit grayscale PNG. */
export function encodePng(pixels: Uint8Array): Promise<Buffer> {
  return sharp(pixels, { raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

/** Scales a stored PNG up to `size`×`size` with nearest-neighbour sampling, so each image pixel stays a crisp square. */
export function upscalePng(png: Buffer, size = UPSCALED_SIZE): Promise<Buffer> {
  return sharp(png).resize(size, size, { kernel: 'nearest' }).toColourspace('b-w').png().toBuffer();
}
