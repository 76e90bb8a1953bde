// Drawing of 28×28 grayscale images onto canvases, shared by the explorer's components.

import { unitToByte } from '../../../shared/pixels';
import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/training';

/**
 * Draws 784 values in [0, 1] (0 black, 1 white, row-major) onto a canvas
 * of 28×28 pixels. Values outside [0, 1] are clipped; null clears to black.
 */
export function drawUnitImage(canvas: HTMLCanvasElement, values: ArrayLike<number> | null): void {
  const context = canvas.getContext('2d');
  if (context === null) return;

  const image = context.createImageData(IMAGE_SIZE, IMAGE_SIZE);
  for (let i = 0; i < IMAGE_PIXELS; i++) {
    const value = values === null ? 0 : unitToByte(values[i]);
    const offset = i * 4;
    image.data[offset] = value;
    image.data[offset + 1] = value;
    image.data[offset + 2] = value;
    image.data[offset + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

/** Returns one image of a byte image set (0–255 per pixel) as values in [0, 1]. */
export function unitImageAt(images: Uint8Array, index: number): Float32Array {
  const bytes = images.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS);
  return Float32Array.from(bytes, (value) => value / 255);
}
