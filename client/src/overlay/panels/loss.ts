// Training loss per step and validation loss per epoch, bottom left.

import { html } from 'lit';

import '../components/lc-overlay-loss-chart';
import { definePanel } from '../panel';

export default definePanel({
  name: 'loss',
  title: 'Loss',
  description: 'Training loss of every step and validation loss of every epoch.',
  topics: ['loss'],
  region: 'bottom-left',
  width: 40,
  order: 20,
  shownByDefault: true,
  render: ({ store }) => html`<lc-overlay-loss-chart
    style="--lc-loss-chart-height: 15rem"
    .steps=${store.steps}
    .losses=${store.losses}
    .epochs=${store.epochs}
    .lossKind=${store.config?.loss ?? ''}
  ></lc-overlay-loss-chart>`,
});
