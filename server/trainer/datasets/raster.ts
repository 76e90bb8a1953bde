// Dependency-free rasteriser for thick outlines, drawn at high resolution and
// then reduced by area averaging so that edges come out anti-aliased.

/** Binary canvas (0 or 1 per pixel) that draws strokes of a fixed weight, like Processing's `strokeWeight`. */
export class StrokeCanvas {
  /** One byte per pixel, row-major, 1 where the stroke covers the pixel centre. */
  readonly pixels: Uint8Array;

  private readonly halfWeight: number;

  // Bounding box of the pixels set since the last clear(), so that clearing
  // and downsampling skip the empty rest of the canvas.
  private minX = Infinity;
  private minY = Infinity;
  private maxX = -Infinity;
  private maxY = -Infinity;

  constructor(
    readonly size: number,
    strokeWeight: number,
  ) {
    this.pixels = new Uint8Array(size * size);
    this.halfWeight = strokeWeight / 2;
  }

  /** Resets every drawn pixel to 0. */
  clear(): void {
    if (this.maxX < this.minX) {
      return;
    }
    for (let y = this.minY; y <= this.maxY; y++) {
      this.pixels.fill(0, y * this.size + this.minX, y * this.size + this.maxX + 1);
    }
    this.minX = this.minY = Infinity;
    this.maxX = this.maxY = -Infinity;
  }

  /**
   * Draws the segment from (ax, ay) to (bx, by) with round caps. A pixel is set
   * when its centre lies within half the stroke weight of the segment.
   */
  strokeSegment(ax: number, ay: number, bx: number, by: number): void {
    const r = this.halfWeight;
    const length = Math.hypot(bx - ax, by - ay);
    if (length < 1e-9) {
      this.strokeCircle(ax, ay, 0);
      return;
    }

    // (dx, dy) runs along the segment and (nx, ny) across it.
    const dx = (bx - ax) / length;
    const dy = (by - ay) / length;
    const nx = -dy;
    const ny = dx;

    const firstRow = Math.ceil(Math.min(ay, by) - r - 0.5);
    const lastRow = Math.floor(Math.max(ay, by) + r - 0.5);

    for (let y = Math.max(0, firstRow); y <= Math.min(this.size - 1, lastRow); y++) {
      const offsetY = y + 0.5 - ay;

      // The stroke is a capsule: two end discs plus the rectangle between them.
      // It is convex, so it meets this row in one span, the hull of the three pieces.
      let lo = Infinity;
      let hi = -Infinity;

      const capA = discChord(r, offsetY);
      if (capA >= 0) {
        lo = Math.min(lo, ax - capA);
        hi = Math.max(hi, ax + capA);
      }

      const capB = discChord(r, y + 0.5 - by);
      if (capB >= 0) {
        lo = Math.min(lo, bx - capB);
        hi = Math.max(hi, bx + capB);
      }

      // Inside the rectangle, 0 <= along <= length and -r <= across <= r, where
      // along and across are linear in u = x - ax.
      const along = solveLinear(dx, offsetY * dy, 0, length);
      const across = solveLinear(nx, offsetY * ny, -r, r);
      const bodyLo = Math.max(along[0], across[0]);
      const bodyHi = Math.min(along[1], across[1]);
      if (bodyLo <= bodyHi) {
        lo = Math.min(lo, ax + bodyLo);
        hi = Math.max(hi, ax + bodyHi);
      }

      this.fillSpan(y, lo, hi);
    }
  }

  /** Draws the closed outline through `points`, given as [x, y] pairs. */
  strokePolygon(points: ReadonlyArray<readonly [number, number]>): void {
    for (let i = 0; i < points.length; i++) {
      const [ax, ay] = points[i];
      const [bx, by] = points[(i + 1) % points.length];
      this.strokeSegment(ax, ay, bx, by);
    }
  }

  /** Draws the circle of `radius` around (cx, cy) as a ring. A radius below half the stroke weight gives a disc. */
  strokeCircle(cx: number, cy: number, radius: number): void {
    const outer = radius + this.halfWeight;
    const inner = radius - this.halfWeight;

    const firstRow = Math.ceil(cy - outer - 0.5);
    const lastRow = Math.floor(cy + outer - 0.5);

    for (let y = Math.max(0, firstRow); y <= Math.min(this.size - 1, lastRow); y++) {
      const offsetY = y + 0.5 - cy;
      const outerHalf = discChord(outer, offsetY);
      if (outerHalf < 0) {
        continue;
      }

      // Rows that cross the hole get two spans, one on each side of it.
      const innerHalf = inner > 0 ? discChord(inner, offsetY) : -1;
      if (innerHalf > 0) {
        this.fillSpan(y, cx - outerHalf, cx - innerHalf);
        this.fillSpan(y, cx + innerHalf, cx + outerHalf);
      } else {
        this.fillSpan(y, cx - outerHalf, cx + outerHalf);
      }
    }
  }

  /**
   * Writes the canvas, reduced by `factor` in each direction, into `target` at
   * `offset`. Each output byte is the mean of a factor × factor block scaled to 0–255.
   */
  downsampleInto(factor: number, target: Uint8Array, offset: number): void {
    const side = Math.floor(this.size / factor);
    target.fill(0, offset, offset + side * side);
    if (this.maxX < this.minX) {
      return;
    }

    const blockArea = factor * factor;
    const firstBlockX = Math.floor(this.minX / factor);
    const lastBlockX = Math.min(side - 1, Math.floor(this.maxX / factor));
    const firstBlockY = Math.floor(this.minY / factor);
    const lastBlockY = Math.min(side - 1, Math.floor(this.maxY / factor));

    const pixels = this.pixels;
    const size = this.size;
    for (let blockY = firstBlockY; blockY <= lastBlockY; blockY++) {
      for (let blockX = firstBlockX; blockX <= lastBlockX; blockX++) {
        let covered = 0;
        for (let y = blockY * factor; y < (blockY + 1) * factor; y++) {
          const rowStart = y * size + blockX * factor;
          for (let x = rowStart; x < rowStart + factor; x++) {
            covered += pixels[x];
          }
        }
        target[offset + blockY * side + blockX] = Math.round((covered * 255) / blockArea);
      }
    }
  }

  /** Sets the pixels of row `y` whose centres have x in [lo, hi]. */
  private fillSpan(y: number, lo: number, hi: number): void {
    const first = Math.max(0, Math.ceil(lo - 0.5));
    const last = Math.min(this.size - 1, Math.floor(hi - 0.5));
    if (first > last) {
      return;
    }

    this.pixels.fill(1, y * this.size + first, y * this.size + last + 1);
    this.minX = Math.min(this.minX, first);
    this.maxX = Math.max(this.maxX, last);
    this.minY = Math.min(this.minY, y);
    this.maxY = Math.max(this.maxY, y);
  }
}

/** Returns half the chord of a disc of `radius` at `offset` from its centre, or -1 when the line misses it. */
function discChord(radius: number, offset: number): number {
  const squared = radius * radius - offset * offset;
  return squared >= 0 ? Math.sqrt(squared) : -1;
}

/**
 * Returns the interval of u where min <= slope × u + intercept <= max. It is
 * unbounded when slope is 0 and the intercept fits, and empty when it does not.
 */
function solveLinear(slope: number, intercept: number, min: number, max: number): [number, number] {
  if (Math.abs(slope) < 1e-12) {
    const fits = intercept >= min && intercept <= max;
    return fits ? [-Infinity, Infinity] : [Infinity, -Infinity];
  }

  const a = (min - intercept) / slope;
  const b = (max - intercept) / slope;
  return a < b ? [a, b] : [b, a];
}
