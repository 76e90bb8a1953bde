// Probe images next to the model's reconstructions, top right.

import { html } from 'lit';

import type { ReconstructionSet } from '../../../../shared/training';
import { IMAGE_PIXELS } from '../../../../shared/training';
import '../../components/lc-recon-grid';
import { definePanel } from '../panel';

/** Most image pairs shown, so the panel fits beside the stream: four rows of two. */
const MAX_PAIRS = 8;

export default definePanel({
  name: 'recon',
  title: 'Reconstructions',
  description: `Up to ${MAX_PAIRS} validation images next to the model's reconstructions of them.`,
  topics: ['reconstructions'],
  region: 'top-right',
  width: 26,
  order: 30,
  shownByDefault: true,
  render: ({ store }) => html`<lc-recon-grid .reconstructions=${firstPairs(store.reconstructions)}></lc-recon-grid>`,
});

let lastSource: ReconstructionSet | null = null;
let lastShown: ReconstructionSet | null = null;

/** Returns the set cut to MAX_PAIRS, the same object while the source is the same, so the grid redraws only for new images. */
function firstPairs(set: ReconstructionSet | null): ReconstructionSet | null {
  if (set === null || set.count <= MAX_PAIRS) return set;
  if (set !== lastSource) {
    const bytes = MAX_PAIRS * IMAGE_PIXELS;
    lastSource = set;
    lastShown = { ...set, count: MAX_PAIRS, inputs: set.inputs.subarray(0, bytes), outputs: set.outputs.subarray(0, bytes) };
  }
  return lastShown;
}
