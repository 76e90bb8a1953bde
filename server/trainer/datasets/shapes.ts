// Generated outline shapes: a dataset that needs no download and whose
// classes are easy to tell apart in the latent space.

import { IMAGE_PIXELS, IMAGE_SIZE } from '../../../shared/training';
import { createRandom, type Random } from '../random';
import { StrokeCanvas } from './raster';
import { sliceImages, validationCountFor } from './split';
import { DatasetError, type Dataset, type ImageSplit } from './types';

/** Label names of the generated shapes, in label order. */
export const SHAPE_NAMES = ['square', 'circle', 'triangle', 'plus', 'line', 'star'] as const;

export type ShapeName = (typeof SHAPE_NAMES)[number];

/** Shapes are drawn at this multiple of the image size and then averaged down. */
const SUPERSAMPLING = 10;

/** Side of the drawing canvas in pixels (280). */
export const CANVAS_SIZE = IMAGE_SIZE * SUPERSAMPLING;

/** Stroke weight on the drawing canvas, 1.6 pixels after downsampling. */
export const STROKE_WEIGHT = 16;

// Circumradius range on the drawing canvas. With the stroke, a shape spans
// from about 40 % to about 90 % of the image width.
const MIN_RADIUS = 45;
const MAX_RADIUS = 120;

// An inner radius of half the outer one keeps the star's centre open at the
// smallest size. The regular star's ratio (0.38) leaves only a pinhole there.
const STAR_INNER_RATIO = 0.5;

/** One shape on the drawing canvas, in canvas pixels and radians. */
export interface ShapeSpec {
  name: ShapeName;
  centerX: number;
  centerY: number;
  /** Distance from the centre to the outermost point of the outline, before the stroke. */
  radius: number;
  rotation: number;
}

/**
 * Generates `count` shape images, deterministic for `seed`, and holds out
 * round(count × validationSplit) of them (at least 1) for validation.
 */
export function generateShapes(count: number, validationSplit: number, seed: number): Dataset {
  if (!Number.isInteger(count) || count < 2) {
    throw new DatasetError(
      `shapes count ${count} is invalid; use an integer of at least 2, ` +
        'so that training and validation each get an image',
    );
  }

  const random = createRandom(seed);
  const all = drawShapes(balancedLabels(count, random), random);

  const validationCount = validationCountFor(count, validationSplit);
  const trainCount = count - validationCount;

  return {
    info: { name: 'shapes', trainCount, validationCount, labelNames: [...SHAPE_NAMES] },
    train: sliceImages(all, 0, trainCount),
    validation: sliceImages(all, trainCount, count),
  };
}

/** Draws one shape and returns it as a 28 × 28 image. */
export function renderShape(shape: ShapeSpec): Uint8Array {
  const canvas = new StrokeCanvas(CANVAS_SIZE, STROKE_WEIGHT);
  const image = new Uint8Array(IMAGE_PIXELS);
  drawShape(canvas, shape);
  canvas.downsampleInto(SUPERSAMPLING, image, 0);
  return image;
}

/** Returns `count` labels in random order, with the counts of any two labels differing by at most 1. */
function balancedLabels(count: number, random: Random): Uint8Array {
  const labels = Array.from({ length: count }, (_, i) => i % SHAPE_NAMES.length);
  random.shuffle(labels);
  return Uint8Array.from(labels);
}

function drawShapes(labels: Uint8Array, random: Random): ImageSplit {
  const count = labels.length;
  const images = new Uint8Array(count * IMAGE_PIXELS);
  const canvas = new StrokeCanvas(CANVAS_SIZE, STROKE_WEIGHT);

  for (let i = 0; i < count; i++) {
    canvas.clear();
    drawShape(canvas, randomShape(SHAPE_NAMES[labels[i]], random));
    canvas.downsampleInto(SUPERSAMPLING, images, i * IMAGE_PIXELS);
  }

  return { images, labels, count };
}

/** Picks a size, position and rotation that keep the whole stroke on the canvas. */
function randomShape(name: ShapeName, random: Random): ShapeSpec {
  const radius = MIN_RADIUS + random.next() * (MAX_RADIUS - MIN_RADIUS);
  const margin = radius + STROKE_WEIGHT / 2;
  const centerX = margin + random.next() * (CANVAS_SIZE - 2 * margin);
  const centerY = margin + random.next() * (CANVAS_SIZE - 2 * margin);
  const rotation = random.next() * 2 * Math.PI;
  return { name, centerX, centerY, radius, rotation };
}

function drawShape(canvas: StrokeCanvas, shape: ShapeSpec): void {
  const { centerX, centerY, radius, rotation } = shape;

  switch (shape.name) {
    case 'square':
      canvas.strokePolygon(polygonPoints(shape, [radius, radius, radius, radius]));
      break;
    case 'circle':
      canvas.strokeCircle(centerX, centerY, radius);
      break;
    case 'triangle':
      canvas.strokePolygon(polygonPoints(shape, [radius, radius, radius]));
      break;
    case 'plus':
      strokeDiameter(canvas, shape, rotation);
      strokeDiameter(canvas, shape, rotation + Math.PI / 2);
      break;
    case 'line':
      strokeDiameter(canvas, shape, rotation);
      break;
    case 'star': {
      const inner = radius * STAR_INNER_RATIO;
      // Ten vertices alternate between the points and the notches.
      const distances = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? radius : inner));
      canvas.strokePolygon(polygonPoints(shape, distances));
      break;
    }
  }
}

/** Returns vertices at equal angles around the shape's centre, at the given distances from it. */
function polygonPoints(shape: ShapeSpec, distances: number[]): Array<[number, number]> {
  const step = (2 * Math.PI) / distances.length;
  return distances.map((distance, i) => {
    const angle = shape.rotation + i * step;
    return [shape.centerX + distance * Math.cos(angle), shape.centerY + distance * Math.sin(angle)];
  });
}

/** Draws a segment through the shape's centre at `angle`, as long as the shape is wide. */
function strokeDiameter(canvas: StrokeCanvas, shape: ShapeSpec, angle: number): void {
  const dx = shape.radius * Math.cos(angle);
  const dy = shape.radius * Math.sin(angle);
  canvas.strokeSegment(shape.centerX - dx, shape.centerY - dy, shape.centerX + dx, shape.centerY + dy);
}
