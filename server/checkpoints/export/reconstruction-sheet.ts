// A PNG of the probe images over their latest reconstructions, drawn with
// square pixels so that it can go straight into slides or a stream overlay.

import sharp from 'sharp';

import type { ProbeImages, ReconstructionOutputs } from '../../../shared/protocol/frames';
import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/training';

/** Screen pixels per image pixel: 28 × 4 = 112 pixels per image. */
const SCALE = 4;

/** Gap between two images, in screen pixels, in light grey so that each image's black background stays visible. */
const GAP = 4;
const GAP_SHADE = 200;

/** Encodes the sheet: one column per probe, its input on the top row and its reconstruction below. */
export async function reconstructionSheet(probes: ProbeImages, reconstructions: ReconstructionOutputs): Promise<Buffer> {
  const count = Math.min(probes.count, reconstructions.count);
  if (count === 0) throw new RangeError('a reconstruction sheet needs at least one probe image');

  const cell = IMAGE_SIZE * SCALE;
  const width = count * cell + (count + 1) * GAP;
  const height = 2 * cell + 3 * GAP;
  const pixels = new Uint8Array(width * height).fill(GAP_SHADE);

  for (let column = 0; column < count; column++) {
    const left = GAP + column * (cell + GAP);
    drawImage(pixels, width, probes.images.subarray(column * IMAGE_PIXELS, (column + 1) * IMAGE_PIXELS), left, GAP);
    drawImage(pixels, width, reconstructions.outputs.subarray(column * IMAGE_PIXELS, (column + 1) * IMAGE_PIXELS), left, 2 * GAP + cell);
  }
  return sharp(pixels, { raw: { width, height, channels: 1 } }).png().toBuffer();
}

/** Copies one 28×28 image into the sheet at (`left`, `top`), each pixel as a SCALE × SCALE square. */
function drawImage(sheet: Uint8Array, sheetWidth: number, image: Uint8Array, left: number, top: number): void {
  for (let y = 0; y < IMAGE_SIZE * SCALE; y++) {
    const sourceRow = Math.floor(y / SCALE) * IMAGE_SIZE;
    const targetRow = (top + y) * sheetWidth + left;
    for (let x = 0; x < IMAGE_SIZE * SCALE; x++) sheet[targetRow + x] = image[sourceRow + Math.floor(x / SCALE)];
  }
}
