// Turns the first layer's kernel of an encoder snapshot into image tiles:
// one 28×28 tile per unit of a dense layer on the pixels, or one small tile
// per filter of a convolution, in a blue-white-red colour map around zero.

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/training';
import type { ModelSnapshot, WeightTensor } from '../../../shared/training';

/** The first layer's kernel, read as one tile per unit or filter. */
export interface KernelTiles {
  /** `dense` for a [784, units] kernel, `conv` for a [height, width, channels, filters] one. */
  kind: 'dense' | 'conv';
  /** Variable name of the kernel, such as `dense_Dense1/kernel`. */
  name: string;
  /** Tile side lengths in pixels: 28 × 28 for dense, the filter's size for conv. */
  width: number;
  height: number;
  /** Number of tiles: units of a dense layer, filters of a convolution. */
  count: number;
  /** Input channels of a convolution; the tiles show channel 0. 1 for dense. */
  channels: number;
  /** Returns the weight at pixel (x, y) of tile `tile`. */
  value(tile: number, x: number, y: number): number;
}

/** Colour scaling of the tiles: one symmetric range for all, or one per tile. */
export type TileScale = 'shared' | 'per-tile';

/** RGB of the colour map's ends and middle: blue for negative, white for zero, red for positive. */
const NEGATIVE = [33, 102, 172] as const;
const ZERO = [255, 255, 255] as const;
const POSITIVE = [178, 24, 43] as const;

/**
 * Returns the tiles of the snapshot's first kernel applied to the image: the
 * first weight of shape [784, units] or of rank 4, in `getWeights()` order.
 * Returns null when the snapshot has neither.
 */
export function firstLayerTiles(snapshot: ModelSnapshot): KernelTiles | null {
  for (const weight of snapshot.weights) {
    if (weight.shape.length === 2 && weight.shape[0] === IMAGE_PIXELS) return denseTiles(weight);
    if (weight.shape.length === 4) return convTiles(weight);
  }
  return null;
}

/** Returns the largest absolute weight of `tile`, or of every tile when `tile` is null; at least a tiny positive value. */
export function maxMagnitude(tiles: KernelTiles, tile: number | null): number {
  let max = 0;
  const first = tile ?? 0;
  const last = tile ?? tiles.count - 1;
  for (let t = first; t <= last; t++) {
    for (let y = 0; y < tiles.height; y++) {
      for (let x = 0; x < tiles.width; x++) max = Math.max(max, Math.abs(tiles.value(t, x, y)));
    }
  }
  return Math.max(max, 1e-12);
}

/** Returns the colour of `value` on a symmetric scale of ±`scale`, as RGB bytes. */
export function divergingColor(value: number, scale: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, value / scale));
  const end = t < 0 ? NEGATIVE : POSITIVE;
  const share = Math.abs(t);
  return [0, 1, 2].map((c) => Math.round(ZERO[c] + (end[c] - ZERO[c]) * share)) as [number, number, number];
}

/** Returns the columns of a tile grid that is about twice as wide as it is tall. */
export function gridColumns(count: number): number {
  return Math.max(1, Math.min(count, Math.ceil(Math.sqrt(count * 2))));
}

/**
 * Draws every tile into `image`, a grid of `columns` tiles with a 1-pixel
 * gap, which must be (columns × (width + 1) − 1) by (rows × (height + 1) − 1).
 * Colours span ±`sharedRange`, or each tile's own largest magnitude when it is null.
 */
export function drawTiles(image: ImageData, tiles: KernelTiles, columns: number, sharedRange: number | null): void {
  for (let tile = 0; tile < tiles.count; tile++) {
    const range = sharedRange ?? maxMagnitude(tiles, tile);
    const left = (tile % columns) * (tiles.width + 1);
    const top = Math.floor(tile / columns) * (tiles.height + 1);
    for (let y = 0; y < tiles.height; y++) {
      for (let x = 0; x < tiles.width; x++) {
        const offset = ((top + y) * image.width + left + x) * 4;
        const [r, g, b] = divergingColor(tiles.value(tile, x, y), range);
        image.data[offset] = r;
        image.data[offset + 1] = g;
        image.data[offset + 2] = b;
        image.data[offset + 3] = 255;
      }
    }
  }
}

// A dense kernel is row-major [inputs, units], so unit u's weight for pixel p is at p × units + u.
function denseTiles(weight: WeightTensor): KernelTiles {
  const units = weight.shape[1];
  return {
    kind: 'dense',
    name: weight.name,
    width: IMAGE_SIZE,
    height: IMAGE_SIZE,
    count: units,
    channels: 1,
    value: (tile, x, y) => weight.values[(y * IMAGE_SIZE + x) * units + tile],
  };
}

// A convolution kernel is [height, width, in channels, filters], row-major.
function convTiles(weight: WeightTensor): KernelTiles {
  const [height, width, channels, filters] = weight.shape;
  return {
    kind: 'conv',
    name: weight.name,
    width,
    height,
    count: filters,
    channels,
    value: (tile, x, y) => weight.values[((y * width + x) * channels) * filters + tile],
  };
}
