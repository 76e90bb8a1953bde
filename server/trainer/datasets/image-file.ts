// Conversion of one image file of any size and colour into a 28 × 28 training
// image with bright strokes on black.

import sharp from 'sharp';

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/training';

// Images are first shrunk to fit this square, which bounds the per-pixel work
// in JavaScript. Large images still keep 10 × 10 source pixels per output pixel.
const WORKING_SIZE = IMAGE_SIZE * 10;

/**
 * Returns whether a 28 × 28 image has a light background, meaning the mean of its
 * outermost ring of pixels is above 127. Such an image is taken as dark strokes on
 * a light background, and the folder loader inverts it so that strokes are bright
 * like those of MNIST and the generated shapes.
 */
export function hasLightBackground(image: Uint8Array): boolean {
  return mean(borderPixels(image, IMAGE_SIZE, IMAGE_SIZE)) > 127;
}

/**
 * Converts one image file of any size and colour into a 28 × 28 image with bright
 * strokes on black. Transparency is flattened, the image is padded to a square with
 * its border colour and resized, inverted when `hasLightBackground` is true, and
 * its background level is mapped to 0.
 */
export async function readTrainingImage(file: string): Promise<Uint8Array> {
  const { gray, width, height } = await decodeToGray(file);
  const image = await shrinkToImageSize(gray, width, height);

  if (hasLightBackground(image)) {
    for (let i = 0; i < image.length; i++) {
      image[i] = 255 - image[i];
    }
  }

  stretchBackgroundToBlack(image);
  return image;
}

async function decodeToGray(file: string): Promise<{ gray: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(file)
    .autoOrient()
    .resize({ width: WORKING_SIZE, height: WORKING_SIZE, fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });

  return { gray: flattenToGray(data, info.width * info.height), width: info.width, height: info.height };
}

/** Pads the image to a square with its background colour, then resizes it to 28 × 28. */
async function shrinkToImageSize(gray: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  // The median ignores strokes that touch the edge, which would shift a mean.
  const background = median(borderPixels(gray, width, height));
  const { pixels, side } = letterbox(gray, width, height, background);

  // Without toColourspace('b-w'), sharp 0.35 writes one-channel raw input back as three channels.
  const small = await sharp(pixels, { raw: { width: side, height: side, channels: 1 } })
    .resize(IMAGE_SIZE, IMAGE_SIZE, { fit: 'fill' })
    .toColourspace('b-w')
    .raw()
    .toBuffer();

  return new Uint8Array(small.buffer, small.byteOffset, IMAGE_PIXELS);
}

/**
 * Maps the background level (the median of the border) to 0 and keeps 255 at 255,
 * so that paper tints and coloured backgrounds become black like those of MNIST.
 */
function stretchBackgroundToBlack(image: Uint8Array): void {
  const black = median(borderPixels(image, IMAGE_SIZE, IMAGE_SIZE));

  // After the inversion step the background should be dark. A bright border
  // median means that there is no clear background, and stretching would erase the image.
  if (black === 0 || black > 127) {
    return;
  }

  const scale = 255 / (255 - black);
  for (let i = 0; i < image.length; i++) {
    image[i] = Math.round(Math.max(0, image[i] - black) * scale);
  }
}

/**
 * Converts straight-alpha RGBA pixels to gray luma with the alpha flattened away.
 * Transparent areas become white when the visible pixels are mostly dark and black
 * otherwise, because a transparent background's colour is undefined and ink drawn
 * on it must stay visible.
 */
function flattenToGray(rgba: Uint8Array, pixelCount: number): Uint8Array {
  const luma = new Float32Array(pixelCount);
  const alpha = new Float32Array(pixelCount);
  let weightedLuma = 0;
  let totalAlpha = 0;

  for (let i = 0; i < pixelCount; i++) {
    // Rec. 709 luma weights, applied to the gamma-encoded values as is usual for luma.
    luma[i] = 0.2126 * rgba[4 * i] + 0.7152 * rgba[4 * i + 1] + 0.0722 * rgba[4 * i + 2];
    alpha[i] = rgba[4 * i + 3] / 255;
    weightedLuma += luma[i] * alpha[i];
    totalAlpha += alpha[i];
  }

  const inkIsDark = totalAlpha > 0 && weightedLuma / totalAlpha < 128;
  const matte = inkIsDark ? 255 : 0;

  const gray = new Uint8Array(pixelCount);
  for (let i = 0; i < pixelCount; i++) {
    gray[i] = Math.round(luma[i] * alpha[i] + matte * (1 - alpha[i]));
  }
  return gray;
}

/** Centres the image on a square of `background` so that resizing keeps its aspect ratio. */
function letterbox(
  gray: Uint8Array,
  width: number,
  height: number,
  background: number,
): { pixels: Uint8Array; side: number } {
  const side = Math.max(width, height);
  const pixels = new Uint8Array(side * side).fill(background);
  const left = Math.floor((side - width) / 2);
  const top = Math.floor((side - height) / 2);

  for (let y = 0; y < height; y++) {
    pixels.set(gray.subarray(y * width, (y + 1) * width), (top + y) * side + left);
  }
  return { pixels, side };
}

/** Returns the pixels of the outermost ring of a one-channel image. */
function borderPixels(pixels: Uint8Array, width: number, height: number): number[] {
  const ring: number[] = [];

  for (let x = 0; x < width; x++) {
    ring.push(pixels[x]);
    if (height > 1) {
      ring.push(pixels[(height - 1) * width + x]);
    }
  }
  for (let y = 1; y < height - 1; y++) {
    ring.push(pixels[y * width]);
    if (width > 1) {
      ring.push(pixels[y * width + width - 1]);
    }
  }
  return ring;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Returns the lower median, which is always one of `values`. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
