// The map of the validation images' latent codes, bottom right. It draws the
// codes the host sends and decodes nothing, so it needs no TensorFlow.js.

import { html } from 'lit';

import '../components/lc-overlay-latent-map';
import { definePanel } from '../panel';

export default definePanel({
  name: 'latent',
  title: 'Latent space',
  description: 'Scatter of the validation images’ latent codes, coloured by label, refreshed every epoch.',
  topics: ['latent'],
  region: 'bottom-right',
  width: 26,
  order: 40,
  shownByDefault: true,
  render: ({ store, params }) => html`<lc-overlay-latent-map
    .map=${store.latentMap}
    .labelNames=${store.status?.dataset?.labelNames ?? []}
    theme=${params.theme}
  ></lc-overlay-latent-map>`,
});
