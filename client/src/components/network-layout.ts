// Geometry and wording of the network diagram: which units of a wide layer
// are drawn, where each layer and unit goes, and the text description that
// screen readers get instead of the picture.

/** Direction the layers follow: left to right on wide screens, top to bottom on narrow ones. */
export type DiagramOrientation = 'horizontal' | 'vertical';

/** One drawn unit: its index in the layer, or null for the "…" that stands for the units left out. */
export type UnitSlot = number | null;

/**
 * Returns the units to draw of a layer of `units`: all of them when at most
 * `maxShown`, otherwise `maxShown − 1` units spread evenly over the layer
 * with a null in the middle where the "…" goes. The first and last unit are
 * always drawn.
 */
export function sampleUnits(units: number, maxShown: number): UnitSlot[] {
  if (units <= maxShown) return Array.from({ length: units }, (_, i) => i);
  const shown = Math.max(2, maxShown - 1);
  const sample = Array.from({ length: shown }, (_, i) => Math.round((i * (units - 1)) / (shown - 1)));
  const half = Math.ceil(shown / 2);
  return [...sample.slice(0, half), null, ...sample.slice(half)];
}

/** Returns the index of the latent layer: the narrowest layer that is neither the first nor the last. */
export function latentLayerIndex(layerSizes: readonly number[]): number {
  if (layerSizes.length <= 2) return 0;
  let latent = 1;
  for (let i = 2; i < layerSizes.length - 1; i++) {
    if (layerSizes[i] < layerSizes[latent]) latent = i;
  }
  return latent;
}

/** Returns each layer's role in the autoencoder, in order; `latent` defaults to latentLayerIndex. */
export function layerRoles(layerSizes: readonly number[], latent = latentLayerIndex(layerSizes)): ('input' | 'hidden' | 'latent' | 'output')[] {
  return layerSizes.map((_, i) => {
    if (i === 0) return 'input';
    if (i === layerSizes.length - 1) return 'output';
    return i === latent ? 'latent' : 'hidden';
  });
}

/**
 * Returns the architecture in words, such as "784 input pixels, a latent
 * vector of 8 values, then 784 output pixels". Hidden layers are grouped as
 * the encoder's and the decoder's.
 */
export function describeArchitecture(layerSizes: readonly number[], latent = latentLayerIndex(layerSizes)): string {
  if (layerSizes.length < 2) return 'The model is not built yet.';
  const hidden = (sizes: readonly number[], side: string) =>
    sizes.length === 0 ? '' : ` The ${side} has ${sizes.length === 1 ? 'a hidden layer' : 'hidden layers'} of ${listSizes(sizes)} units.`;

  const input = `${layerSizes[0]} input pixels`;
  const code = `a latent vector of ${layerSizes[latent]} values`;
  const output = `${layerSizes[layerSizes.length - 1]} output pixels`;
  return (
    `An autoencoder: ${input}, ${code}, then ${output}.` +
    hidden(layerSizes.slice(1, latent), 'encoder') +
    hidden(layerSizes.slice(latent + 1, -1), 'decoder')
  );
}

/** A position in the diagram's SVG coordinates. */
export interface Point {
  x: number;
  y: number;
}

/** Geometry of the whole diagram. */
export interface DiagramLayout {
  width: number;
  height: number;
  /** Centre of each drawn unit, per layer, in the order of `sampleUnits`; the "…" slot has a centre too. */
  units: Point[][];
  /** Anchor of each layer's label: below a column, or left of a row. */
  labels: Point[];
  /** Radius of a unit's circle. */
  radius: number;
}

/** Side of the input and output images, in CSS pixels. */
export const IMAGE_SIZE_PX = 64;

/** Space for an image and its gap before the first layer and after the last one. */
const IMAGE_SPACE = IMAGE_SIZE_PX + 24;

/** Narrowest and widest gap between two layers, in CSS pixels. */
const LAYER_GAP = { min: 40, max: 150 } as const;

/**
 * Lays out `slots` (one list per layer, from sampleUnits) to fill `width`
 * CSS pixels, so that one SVG unit is one CSS pixel and text keeps its size.
 * Horizontal: layers are columns from left to right, units top to bottom,
 * labels below. Vertical: layers are rows from top to bottom, units left to
 * right, labels on the left.
 */
export function layoutDiagram(slots: readonly UnitSlot[][], orientation: DiagramOrientation, width: number): DiagramLayout {
  const radius = 9;
  const mostUnits = Math.max(1, ...slots.map((layer) => layer.length));
  const layers = Math.max(1, slots.length - 1);

  if (orientation === 'horizontal') {
    const layerGap = clamp((width - 2 * IMAGE_SPACE) / layers, LAYER_GAP.min, LAYER_GAP.max);
    const start = Math.max(IMAGE_SPACE, (width - layerGap * layers) / 2);
    const unitGap = 26;
    const top = 28;
    const across = (mostUnits - 1) * unitGap;
    const units = slots.map((layer, l) => layer.map((_, u) => ({ x: start + l * layerGap, y: top + radius + across / 2 + (u - (layer.length - 1) / 2) * unitGap })));
    const labels = slots.map((_, l) => ({ x: start + l * layerGap, y: top + across + 2 * radius + 20 }));
    return { width: Math.max(width, 2 * start + layers * layerGap), height: top + across + 2 * radius + 44, units, labels, radius };
  }

  const labelSpace = 72;
  const unitGap = clamp((width - labelSpace - 2 * radius - 16) / Math.max(1, mostUnits - 1), 18, 34);
  const across = (mostUnits - 1) * unitGap;
  const centre = labelSpace + radius + 8 + across / 2;
  const layerGap = 58;
  const units = slots.map((layer, l) => layer.map((_, u) => ({ x: centre + (u - (layer.length - 1) / 2) * unitGap, y: IMAGE_SPACE + l * layerGap })));
  const labels = slots.map((_, l) => ({ x: labelSpace - 8, y: IMAGE_SPACE + l * layerGap }));
  return { width: Math.max(width, labelSpace + across + 2 * radius + 16), height: 2 * IMAGE_SPACE + layers * layerGap, units, labels, radius };
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

/** Joins sizes as "256, 128 and 64". */
function listSizes(sizes: readonly number[]): string {
  if (sizes.length === 1) return String(sizes[0]);
  return `${sizes.slice(0, -1).join(', ')} and ${sizes[sizes.length - 1]}`;
}
