// The newest gallery items, above the loss chart. It shows what viewers
// submit as soon as they submit it, so it is off until the streamer adds it.

import { html } from 'lit';

import '../components/lc-overlay-gallery';
import { definePanel } from '../panel';

export default definePanel({
  name: 'gallery',
  title: 'Gallery',
  description: 'The six newest images viewers kept in the gallery, with their votes. Off by default, because it shows viewer titles on stream at once.',
  topics: ['gallery'],
  region: 'bottom-left',
  width: 40,
  order: 50,
  shownByDefault: false,
  render: ({ store }) => html`<lc-overlay-gallery .items=${store.gallery.newest} limit="6"></lc-overlay-gallery>`,
});
