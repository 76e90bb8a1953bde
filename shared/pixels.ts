// Rounding from model outputs to image bytes, shared so that gallery images,
// the companion's reconstructions and pages show the same pixel for the same
// value. The trainer rounds on its backend with tf.round instead.

/** Converts a value in [0, 1] to a byte (0 black, 255 white), clamping values outside the range. */
export function unitToByte(value: number): number {
  return Math.round(Math.min(1, Math.max(0, value)) * 255);
}

/** Converts values in [0, 1] to one byte per pixel. */
export function toPixelBytes(values: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(values, unitToByte);
}
