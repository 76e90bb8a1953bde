// Training state, epoch, step and losses in a bar across the top left.

import { html } from 'lit';

import '../../components/lc-status-bar';
import { definePanel } from '../panel';
import type { OverlayStore } from '../overlay-store';

export default definePanel({
  name: 'status',
  title: 'Autoencoder training',
  description: 'Training state, epoch, step, the latest losses and whether the overlay is connected.',
  topics: ['status'],
  region: 'top-left',
  width: 60,
  order: 10,
  shownByDefault: true,
  render: ({ store }) => html`<lc-status-bar .status=${store.status} .connection=${connectionOf(store)} .latestLoss=${latestLoss(store)}></lc-status-bar>`,
});

/** Maps the overlay's socket state to the status bar's; while hidden or resuming, the last state received stays shown. */
function connectionOf(store: OverlayStore): 'connecting' | 'live' | 'reconnecting' {
  return store.connection === 'paused' || store.connection === 'resuming' ? 'live' : store.connection;
}

/** Step and loss of the newest loss point, when the overlay also subscribes to `loss`. */
function latestLoss(store: OverlayStore): { step: number; loss: number } | null {
  const last = store.steps.length - 1;
  return last < 0 ? null : { step: store.steps[last], loss: store.losses[last] };
}
