// Whether the overlay's panels fit its canvas: the corners stack panels
// without knowing about each other, so a large scale or many panels can
// put one panel over another or past the canvas edge, where OBS cuts it off.

/** A panel's box in the overlay page, in CSS pixels. */
export interface PanelBox {
  /** Heading of the panel, as the builder lists it. */
  title: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Overlap or overhang, in CSS pixels, that still counts as fitting, for borders that meet. */
const TOLERANCE_PX = 1;

/**
 * Returns one sentence per problem: each pair of panels that overlap and
 * each panel that leaves the `width` by `height` canvas. Empty when
 * everything fits.
 */
export function fitProblems(boxes: readonly PanelBox[], width: number, height: number): string[] {
  const problems: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (overlap(boxes[i], boxes[j])) problems.push(`${boxes[i].title} and ${boxes[j].title} overlap.`);
    }
  }
  for (const box of boxes) {
    const edges = edgesPassed(box, width, height);
    const noun = edges.length > 1 ? 'edges' : 'edge';
    if (edges.length > 0) problems.push(`${box.title} runs past the ${edges.join(' and ')} ${noun} of the ${width}×${height} canvas.`);
  }
  return problems;
}

function overlap(a: PanelBox, b: PanelBox): boolean {
  const across = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const down = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return across > TOLERANCE_PX && down > TOLERANCE_PX;
}

/** Returns the canvas edges that the box crosses: left, right, top, bottom. */
function edgesPassed(box: PanelBox, width: number, height: number): string[] {
  const edges: string[] = [];
  if (box.x < -TOLERANCE_PX) edges.push('left');
  if (box.x + box.width > width + TOLERANCE_PX) edges.push('right');
  if (box.y < -TOLERANCE_PX) edges.push('top');
  if (box.y + box.height > height + TOLERANCE_PX) edges.push('bottom');
  return edges;
}
