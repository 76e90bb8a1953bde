import { css, html, LitElement } from 'lit';

import type { GalleryItem } from '../../../../shared/gallery';
import { imageUrl } from '../../components/gallery-api';

/**
 * A row of gallery cards for the stream: image, title and votes, with no
 * buttons, since an OBS source takes no clicks. Images load from the host's
 * public `/api/gallery/ID.png`.
 */
export class LcOverlayGallery extends LitElement {
  static override properties = {
    items: { attribute: false },
    limit: { type: Number },
  };

  static override styles = css`
    :host {
      display: block;
      color: var(--lc-text, #eef2f7);
    }

    ol {
      display: grid;
      grid-template-columns: repeat(var(--columns), minmax(0, 1fr));
      gap: 0.6rem;
      margin: 0;
      padding: 0;
      list-style: none;
    }

    li {
      display: grid;
      gap: 0.25rem;
      min-width: 0;
    }

    img {
      display: block;
      width: 100%;
      height: auto;
      aspect-ratio: 1;
      border-radius: 0.3rem;
      background: #000;
      image-rendering: pixelated;
    }

    .title {
      overflow: hidden;
      font-size: 0.8rem;
      text-overflow: ellipsis;
      white-space: nowrap;
    }

    .untitled {
      color: var(--lc-text-muted, #a9b4c2);
      font-style: italic;
    }

    .votes {
      color: var(--lc-text-muted, #a9b4c2);
      font-size: 0.8rem;
      font-variant-numeric: tabular-nums;
    }

    .empty {
      margin: 0;
      color: var(--lc-text-muted, #a9b4c2);
    }
  `;

  /** Items to show, first shown first; only the first `limit` appear. */
  declare items: readonly GalleryItem[];
  /** Most cards shown, from 1 to 12; also the number of columns. */
  declare limit: number;

  constructor() {
    super();
    this.items = [];
    this.limit = 6;
  }

  protected override render() {
    const limit = Math.min(12, Math.max(1, Math.floor(this.limit)));
    const shown = this.items.slice(0, limit);
    if (shown.length === 0) return html`<p class="empty">No gallery items yet. Viewers add them from the latent explorer.</p>`;
    // NOTE: a plain map, not lit's repeat: with repeat, this page kept one more DOM node alive per item that
    // left the row (lit 3.3.3, Chromium, test/browser/overlay-heap.test.ts), which adds up over a long stream.
    return html`<ol style="--columns: ${limit}">
      ${shown.map((item) => this.renderItem(item))}
    </ol>`;
  }

  protected renderItem(item: GalleryItem) {
    const name = item.title ?? `untitled #${item.id}`;
    return html`<li data-item-id=${item.id}>
      <img src=${imageUrl(item.id)} width="280" height="280" alt="Decoded image of ${name}" />
      <span class="title ${item.title === null ? 'untitled' : ''}">${name}</span>
      <span class="votes">▲ ${item.votes}</span>
    </li>`;
  }
}

customElements.define('lc-overlay-gallery', LcOverlayGallery);

declare global {
  interface HTMLElementTagNameMap {
    'lc-overlay-gallery': LcOverlayGallery;
  }
}
